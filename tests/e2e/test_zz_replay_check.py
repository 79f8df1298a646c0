"""`complaints replay SERVICE --check` for every service, after the other end-to-end tests'
traffic (the file is named to run last): each service's projection, rebuilt from the whole log
by its own handlers, equals the live one.

The live consumers may still be applying the last events, and the SLA monitor's timers fire
as time passes, so a check that finds differences is run again until it finds none or the
deadline passes (then the last report is the failure message).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
COMPLAINTS = Path(sys.executable).parent / "complaints"
DEADLINE = 180.0  # seconds per service


def check(system, service: str) -> subprocess.CompletedProcess:
    env = {**system.stack.env(), "COLUMNS": "250"}
    return subprocess.run(
        [str(COMPLAINTS), "replay", service, "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("service", ["intake", "routing", "sla-monitor", "notifier", "dashboard"])
def test_the_replayed_projection_equals_the_live_one(system, service):
    deadline = time.monotonic() + DEADLINE
    while True:
        done = check(system, service)
        if done.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(2)  # let the consumers catch up before checking again
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-3000:]}"
    assert " differences" in done.stdout
    assert "events, " in done.stdout  # it read the log
