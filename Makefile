# The two commands of the README are `make run` and `make test`; everything else is for contributors.
PY      := .venv/bin/python
STAMP   := .venv/.installed
PYTEST  := $(PY) -m pytest
UV_VERSION := 0.13.9

.PHONY: run test unit integration e2e bench lint lock clean

$(STAMP): requirements.lock
	python3 -m venv .venv
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	.venv/bin/uv pip install --quiet --python $(PY) -r requirements.lock
	touch $(STAMP)

run: $(STAMP)  ## embedded PostgreSQL + broker + the four services + demo data
	$(PY) -m devstack run

test: $(STAMP)  ## every suite: unit, integration, end-to-end
	$(PYTEST) -q shared services tests

unit: $(STAMP)
	$(PYTEST) -q shared services -m "not integration and not e2e"

integration: $(STAMP)
	$(PYTEST) -q tests/integration

e2e: $(STAMP)
	$(PYTEST) -q tests/e2e

bench: $(STAMP)
	$(PY) bench/run.py $(BENCH)

lint: $(STAMP)
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

lock:  ## re-resolve the dependencies and write requirements.lock (pinned, no index addresses)
	uv lock && uv export --all-groups --no-hashes --format requirements-txt --no-header -o requirements.lock

clean:
	rm -rf .venv .devstack
