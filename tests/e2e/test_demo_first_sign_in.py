"""A fresh clone's `make run`: the province signs in and sees a full dashboard.

`python -m devstack run` is started as `make run` starts it, only in a temporary directory
(`DEVSTACK_DIR`) and on free ports (`DEVSTACK_PG_PORT`, `DEVSTACK_BROKER_PORT`,
`DEVSTACK_PORT_BASE`), with the demo organisation and the demo data on. The province's
username and password are read from the welcome lines it prints; the province signs in through
the page's form in headless Chromium and waits until the page shows open, breached and resolved
complaints, satisfaction figures and a chart with bars. How long that took from the start of
the process, and how long the whole month took to load, are recorded (`record_property`) and
printed, not asserted. Ctrl-C (SIGINT) then stops everything, and the process exits cleanly.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, sync_playwright

from devstack.fixtures import scratch_dir
from devstack.ports import free_port, free_run
from devstack.stack import ROOT, SERVICES

from .browser_support import launch, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PROVINCE = "YN"
START_WAIT = 300.0  # the welcome lines: PostgreSQL, the broker, migrations, five services
FULL_WAIT = 240.0  # from signing in to a full page (generous: two cores shared with others)
LOAD_WAIT = 300.0  # the whole month loaded
STOP_WAIT = 120.0
# Settings `make run` would take from the environment and this test must not pass on.
INHERITED = (
    "KAFKA_BOOTSTRAP_SERVERS",
    "ORG_DIRECTORY",
    "JWT_SECRET",
    "DEVSTACK_FRESH",
    "DEMO_DATA",
    "DEMO_TRICKLE",
    *(spec.url_variable for spec in SERVICES),
)
# What the page shows (services/dashboard/src/dashboard/static/): each figure's value.
FIGURES = """() => {
  const value = (metric) => {
    const node = document.querySelector(`[data-metric="${metric}"]`);
    return node ? node.dataset.value : null;
  };
  return {
    board: !document.getElementById("board").hidden,
    open: value("live.total.open"),
    breached: value("live.total.breached"),
    resolved: value("resolve.total.count"),
    visits: value("satisfaction.count"),
    average: value("satisfaction.average"),
    bars: document.querySelectorAll('#chart svg rect[data-metric^="received.day."]').length,
  };
}"""
WANTED = ("open", "breached", "resolved", "visits", "average", "bars")


@dataclass
class Run:
    """The `make run` process and what it printed (each line with its second since start)."""

    process: subprocess.Popen
    started: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    ended: bool = False  # its output ended: it exited

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))
                self.changed.notify_all()
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    def wait_line(self, pattern: str, within: float) -> tuple[float, re.Match[str]]:
        """The first line matching `pattern` (and when it came), waiting up to `within` s."""
        deadline = time.monotonic() + within
        seen = 0
        with self.changed:
            while True:
                for at, line in self.lines[seen:]:
                    found = re.search(pattern, line)
                    if found:
                        return at, found
                seen = len(self.lines)
                if self.ended:
                    code = self.process.wait()
                    raise AssertionError(f"`make run` exited with {code}:\n{self.text()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {pattern!r} after {within}s:\n{self.text()}")
                self.changed.wait(min(left, 1.0))

    def text(self) -> str:
        return "\n".join(f"{at:7.1f}s {line}" for at, line in self.lines[-60:])


@pytest.fixture
def make_run() -> Iterator[Run]:
    with scratch_dir("complaints-demo-") as workdir:
        env = {k: v for k, v in os.environ.items() if k not in INHERITED}
        env |= {
            "DEVSTACK_DIR": str(workdir / ".devstack"),
            "DEVSTACK_PG_PORT": str(free_port()),
            "DEVSTACK_BROKER_PORT": str(free_port()),
            "DEVSTACK_PORT_BASE": str(free_run(len(SERVICES)) - 1),
            "PYTHONUNBUFFERED": "1",
        }
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # SIGINT from this test only, as a terminal's Ctrl-C
        )
        run = Run(process, started)
        reader = threading.Thread(target=run.read, name="make-run-output", daemon=True)
        reader.start()
        try:
            yield run
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(STOP_WAIT)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            reader.join(10)
            if os.environ.get("KEEP_SYSTEM_LOGS"):
                print(f"`make run` output:\n{run.text()}")


def province_account(run: Run) -> tuple[str, str, str]:
    """The dashboard's address and the province's username and password, from the welcome."""
    _, sign_in = run.wait_line(r"Dashboard sign-in \((http://\S+)/dashboard\)", START_WAIT)
    _, account = run.wait_line(rf"^\s+(\S+)\s+(\S+)\s+{PROVINCE}$", 30)
    return sign_in.group(1), account.group(1), account.group(2)


def positive(value: object) -> bool:
    try:
        return float(str(value or 0)) > 0
    except ValueError:
        return False


def watch_until_full(page: Page, run: Run, within: float) -> tuple[dict, dict[str, float]]:
    """Poll the page's figures until every one is non-zero; when each first was (seconds since
    the process started)."""
    deadline = time.monotonic() + within
    first: dict[str, float] = {}
    while True:
        shown = page.evaluate(FIGURES)
        now = time.monotonic() - run.started
        for key in WANTED:
            if shown["board"] and key not in first and positive(shown.get(key)):
                first[key] = now
        if len(first) == len(WANTED):
            return shown, first
        if time.monotonic() > deadline:
            raise AssertionError(f"the page is not full after {within}s: {shown}\n{run.text()}")
        page.wait_for_timeout(500)


def test_the_first_sign_in_shows_a_full_province_dashboard(make_run: Run, record_property):
    run = make_run
    dashboard, username, password = province_account(run)
    assert username == PROVINCE.lower()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"{dashboard}/dashboard")
            page.wait_for_url("**/auth/login?**")
            page.fill("#username", username)
            page.fill("#password", password)
            page.click("#login-form button[type=submit]")
            page.wait_for_url("**/dashboard**")
            signed_in = time.monotonic() - run.started
            shown, first = watch_until_full(page, run, FULL_WAIT)
            full = max(first.values())
            screenshot(page, "demo-first-sign-in")
        finally:
            browser.close()
    assert int(shown["open"]) >= int(shown["breached"]) > 0
    assert 1 <= float(shown["average"]) <= 5
    loaded_at, loaded = run.wait_line(r"demo month loaded in (\d+)s: (\d+) complaints", LOAD_WAIT)
    assert int(loaded.group(2)) > 100
    record_property("seconds_to_sign_in", round(signed_in, 1))
    record_property("seconds_to_full_dashboard", round(full, 1))
    record_property("seconds_to_each_figure", {k: round(v, 1) for k, v in first.items()})
    record_property("seconds_to_month_loaded", round(loaded_at, 1))
    record_property("load_average", os.getloadavg())
    print(
        f"\nsign-in possible after {signed_in:.1f}s; full dashboard after {full:.1f}s "
        f"({', '.join(f'{k} {v:.1f}s' for k, v in first.items())}); month loaded after "
        f"{loaded_at:.1f}s ({loaded.group(0)}); load average {os.getloadavg()}"
    )
    run.process.send_signal(signal.SIGINT)
    assert run.process.wait(STOP_WAIT) == 0, run.text()
    run.wait_line(r"^stopped\.$", 10)
