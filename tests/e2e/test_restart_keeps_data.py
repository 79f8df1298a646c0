"""`make run` stopped with Ctrl-C and started again keeps everything, and applies nothing twice.

A stack of its own (not the shared `system`: this one stops and starts), with `keep_data` as
`make run` has it, in a temporary directory: complaints are posted, assigned, clocked and
alerted; the stack is interrupted the way Ctrl-C does (the services get SIGINT, then the
stack stops: the archiver reads the log to its end before the broker stops) and started again
on the same directory. Every complaint, clock, timeline, notification and dashboard count is
as before, and a complaint posted before the stop is resolved after it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from complaints_shared.http.auth import issue_token
from complaints_shared.testing import wait_for
from devstack.archiver import end_offsets
from devstack.fixtures import scratch_dir
from devstack.ports import free_port
from devstack.stack import SERVICES, Stack, StackConfig

from .workflow_support import accept, resolve

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

JWT_SECRET = "restart-test-secret-that-is-long-enough-for-hs256"
OWNER = "YN-KM-01"
WAIT = 90.0  # generous: the whole stack shares two cores with whatever else runs


class Urls:
    """What the workflow helpers need of a running system: its services' URLs."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def url(self, service: str, path: str) -> str:
        return f"{self.stack.base_url(service)}{path}"


def client(unit: str) -> httpx.Client:
    token = issue_token(unit, JWT_SECRET)
    return httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=15)


@pytest.fixture
def workdir() -> Iterator[Path]:
    with scratch_dir("complaints-restart-") as folder:
        yield folder
        if os.environ.get("KEEP_SYSTEM_LOGS"):
            kept = Path(tempfile.mkdtemp(prefix="complaints-restart-logs-"))
            shutil.copytree(folder / "logs", kept, dirs_exist_ok=True)
            print(f"logs kept in {kept}")


def config_in(workdir: Path) -> StackConfig:
    return StackConfig(
        workdir=workdir,
        pg_port=free_port(),
        broker_port=free_port(),
        service_ports={spec.name: free_port() for spec in SERVICES},
        jwt_secret=JWT_SECRET,
        intake_rate_limit=0,
        durable=False,  # throw-away data; kept across the restart all the same
        partitions=2,
        keep_data=True,
        health_timeout=300.0,  # a busy machine starts five services slowly
    )


def interrupt(stack: Stack) -> None:
    """What Ctrl-C in `make run`'s terminal does: SIGINT reaches the services (the broker and
    PostgreSQL run in sessions of their own), then the stack stops."""
    for process in stack.processes.values():
        process.send_signal(signal.SIGINT)
    for process in stack.processes.values():
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            pass
    stack.stop()


def post(urls: Urls, yn: httpx.Client, summary: str) -> str:
    body = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": OWNER,
        "business_line": "cards",
        "severity": "normal",
        "flags": [],
        "received_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "customer": {"name": "孙悟空", "phone": "13700007777"},
        "summary": summary,
    }
    response = yn.post(urls.url("intake", "/v1/complaints"), json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["complaint_id"])


def state_of(urls: Urls, yn: httpx.Client, hq: httpx.Client, ids: list[str]) -> dict[str, Any]:
    """Everything the test compares across the restart."""
    found: dict[str, Any] = {}
    for cid in ids:
        view = yn.get(urls.url("intake", f"/v1/complaints/{cid}")).json()
        timeline = yn.get(urls.url("intake", f"/v1/complaints/{cid}/timeline")).json()
        alerts = yn.get(urls.url("notifier", "/v1/notifications"), params={"complaint_id": cid})
        found[cid] = {
            "view": view,
            "events": [e["event_id"] for e in timeline.get("events", [])],
            "notifications": alerts.json().get("notifications"),
        }
    # The dashboard's open complaints (each a row of facts) and their count, for head office.
    listed = hq.get(urls.url("dashboard", "/v1/dashboard/complaints"), params={"state": "open"})
    found["dashboard"] = {k: listed.json().get(k) for k in ("count", "complaints")}
    return found


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """The paths at which two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return [d for k in keys for d in differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"[:300]]


def settled(urls: Urls, yn: httpx.Client, cid: str) -> bool:
    """Owner, a running resolve clock, an alert, and the alert recorded in the log."""
    view = yn.get(urls.url("intake", f"/v1/complaints/{cid}")).json()
    resolve_clock = [c for c in view.get("clocks", []) if c["name"] == "resolve"]
    alerts = yn.get(urls.url("notifier", "/v1/notifications"), params={"complaint_id": cid})
    timeline = yn.get(urls.url("intake", f"/v1/complaints/{cid}/timeline")).json()
    kinds = {e["type"] for e in timeline.get("events", [])}
    return bool(
        view.get("owner_unit")
        and resolve_clock
        and resolve_clock[0]["state"] == "running"
        and alerts.status_code == 200
        and alerts.json()["notifications"]
        and "notification.sent" in kinds
    )


def steady(read: Any, what: str) -> Any:
    """The state once two reads a second apart agree (everything in flight has landed)."""
    last: list[Any] = [None]
    changing: list[list[str]] = [[]]

    def same() -> Any:
        now = read()
        changing[0] = differences(last[0], now)
        last[0] = now
        return now if not changing[0] else None

    try:
        return wait_for(same, timeout=WAIT, interval=1.0, what=what)
    except AssertionError:
        raise AssertionError(f"{what}: still changing at {changing[0][:10]}") from None


def test_a_restart_keeps_every_complaint_and_applies_nothing_twice(workdir):
    config = config_in(workdir)
    first = Stack(config)
    try:
        first.start()
        assert not first.resumed
        urls = Urls(first)
        with client("YN-KM") as yn, client("HQ") as hq:
            ids = [post(urls, yn, f"restart scenario {n}") for n in range(3)]
            for cid in ids:
                wait_for(lambda cid=cid: settled(urls, yn, cid), timeout=WAIT, what=cid)
            accept(urls, yn, ids[1], OWNER)  # one of them signed for before the stop
            before = steady(lambda: state_of(urls, yn, hq, ids), "a steady state before")
        log_before = asyncio.run(end_offsets(first.bootstrap))
    finally:
        interrupt(first)

    second = Stack(config)
    try:
        second.start()
        assert second.resumed
        # The log is back, every partition as long as it was (the dead letters included).
        restored = asyncio.run(end_offsets(second.bootstrap))
        assert {str(tp): n for tp, n in restored.items()} == {
            str(tp): n for tp, n in log_before.items()
        }
        assert sum(log_before.values()) > 0
        urls = Urls(second)
        with client("YN-KM") as yn, client("HQ") as hq:
            after = steady(lambda: state_of(urls, yn, hq, ids), "a steady state after")
            assert differences(before, after) == []

            # Work goes on: the complaint posted before the stop is resolved after it.
            resolved = resolve(urls, yn, ids[0], OWNER)
            assert resolved["status"] == "resolved"
            later = steady(lambda: state_of(urls, yn, hq, ids), "a steady state at the end")
            for cid in ids[1:]:  # untouched: no event, alert or clock twice
                assert differences(before[cid], later[cid]) == []
            grown = later[ids[0]]["events"]
            assert grown[: len(before[ids[0]]["events"])] == before[ids[0]]["events"]
            assert len(grown) > len(before[ids[0]]["events"])
            assert len(set(grown)) == len(grown)
    finally:
        second.stop()
