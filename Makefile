# The two commands of the README are `make run` and `make test`; everything else is for contributors.
PY      := .venv/bin/python
STAMP   := .venv/.installed
CHROMIUM := .venv/.chromium
PYTEST  := $(PY) -m pytest
UV_VERSION := 0.13.9

.PHONY: run reset test gate unit integration e2e bench lint lock clean

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, every service process
# would otherwise compile its libraries again on each start (seconds of CPU each).
$(STAMP): requirements.lock
	python3 -m venv .venv
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	.venv/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	touch $(STAMP)

# The dashboard's browser test drives Debian's Chromium (Playwright cannot download browsers
# here), with a CJK font so that its screenshot shows the Chinese labels.
$(CHROMIUM): | $(STAMP)
	command -v chromium >/dev/null 2>&1 || (apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-microhei)
	touch $(CHROMIUM)

# The handling form's PDF embeds a CJK font; Debian's WenQuanYi Micro Hei is the one we ship
# with (reportlab's built-in CID font is the fallback when it is missing).
FONTS := .venv/.fonts
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
$(FONTS): | $(STAMP)
	test -e $(CJK_FONT) || (apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei)
	touch $(FONTS)

# `make run` keeps its data under .devstack across restarts (docs/devstack.md); FRESH=1 deletes
# it first, `make reset` deletes it without starting.
run: $(STAMP) $(FONTS)  ## embedded PostgreSQL + broker + the five services + demo data (DEMO=off: none)
	$(if $(DEMO),DEMO_DATA=$(DEMO) DEMO_TRICKLE=$(DEMO)) $(if $(FRESH),DEVSTACK_FRESH=$(FRESH)) \
	  $(PY) -m devstack run

reset: $(STAMP)  ## delete the data `make run` kept: the next `make run` starts clean
	$(PY) -m devstack reset

PACKAGES := shared services/intake services/routing services/sla-monitor services/notifier \
            services/dashboard deploy/devstack tools/cli

test: gate $(FONTS) $(CHROMIUM)  ## the gate, then every suite: unit, integration, end-to-end
	$(PYTEST) -q shared services tools tests/contract tests/docs tests/deploy tests/integration \
	  tests/e2e

# What must hold before any test runs: formatting and lint, types, the layers' import rules,
# and every import declared by the package that makes it.
gate: $(STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports
	for p in $(PACKAGES); do (cd $$p && $(CURDIR)/.venv/bin/deptry . ) || exit 1; done

unit: $(STAMP)
	$(PYTEST) -q shared services tools tests/contract -m "not integration and not e2e"

integration: $(STAMP)
	$(PYTEST) -q tests/integration services/*/tests/integration

e2e: $(STAMP) $(FONTS) $(CHROMIUM)
	$(PYTEST) -q tests/e2e

# The end-to-end benchmarks load intake with wrk (Debian's); installed here when missing.
WRK := .venv/.wrk
$(WRK): | $(STAMP)
	command -v wrk >/dev/null 2>&1 || (apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)
	touch $(WRK)

bench: $(STAMP) $(WRK)
	BENCH_PROFILE=$(PROFILE) $(PY) bench/run.py $(BENCH)

lint: gate

SERVICES := intake routing sla-monitor notifier dashboard
EXPORT   := .venv/bin/uv export --frozen --no-hashes --format requirements-txt --no-header

# uv.lock (kept out of the repository: it records index addresses) is resolved here;
# requirements.lock (everything, for development and tests) and
# deploy/requirements/<service>.txt (one service's runtime only, for its image) are exported
# from it, without index addresses.
lock: $(STAMP)  ## re-resolve the dependencies and export the requirement files
	.venv/bin/uv lock
	$(EXPORT) --all-groups -o requirements.lock
	mkdir -p deploy/requirements
	for s in $(SERVICES); do \
	  $(EXPORT) --package complaints-$$s --no-dev --no-editable -o deploy/requirements/$$s.txt; \
	done

clean:
	rm -rf .venv .devstack
