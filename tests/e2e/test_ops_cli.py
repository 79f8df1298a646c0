"""The operators' command line against the running system, as a process on the venv's PATH."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaints_shared.contracts.envelope import new_id, to_kafka
from complaints_shared.contracts.topics import DEAD_LETTERS
from complaints_shared.testing import wait_for
from complaints_shared.testing.kafka import find_envelopes, produce_raw, read_all

from .log_support import duplicates_seen, received

pytestmark = pytest.mark.e2e
COMPLAINTS = Path(sys.executable).parent / "complaints"
CONSUMERS = {"intake", "routing", "sla-monitor", "notifier", "dashboard"}


def cli(system, *args: str, unit: str = "HQ") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "COLUMNS": "250",
        "KAFKA_BOOTSTRAP_SERVERS": system.bootstrap,
        "COMPLAINTS_TOKEN": system.token(unit),
        **{
            f"COMPLAINTS_{name.upper().replace('-', '_')}_URL": system.url(name, "")
            for name in ("intake", "routing", "sla-monitor", "notifier", "dashboard")
        },
        **system.stack.database_urls,
    }
    return subprocess.run(
        [str(COMPLAINTS), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_trace_prints_the_units_and_events_of_a_complaint(system):
    body = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": "YN-KM-01",
        "business_line": "cards",
        "severity": "normal",
        "flags": [],
        "received_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "customer": {"name": "王小明", "phone": "+86 138 0013 8000"},
        "summary": "Card swallowed by the outlet's machine",
    }
    with system.client("YN-KM") as client:
        response = client.post(system.url("intake", "/v1/complaints"), json=body)
        assert response.status_code == 202, response.text
        cid = response.json()["complaint_id"]

        def told() -> dict | None:
            timeline = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()
            types = {event["type"] for event in timeline.get("events", [])}
            return timeline if {"complaint.assigned", "notification.sent"} <= types else None

        timeline = wait_for(told, what="the complaint assigned and its alert sent")

    result = cli(system, "trace", cid, "--from-log", unit="YN-KM")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert cid in out
    for stay in timeline["stays"]:
        assert stay["unit"] in out
    assert "still there" in out
    lines = out.splitlines()
    for event in timeline["events"]:
        service = event["source"].lstrip("/")
        assert any(event["type"] in line and service in line for line in lines), event
        assert event["event_id"] in out
    traced = {e.id: e.trace.get("traceparent") for e in find_envelopes(system.bootstrap, cid)}
    for event_id, parent in traced.items():
        if parent and event_id in out:
            row = next(line for line in lines if event_id in line)
            assert parent.split("-")[1] in row

    # Another unit that may not see it is told so, not shown it.
    refused = cli(system, "trace", cid, unit="GD")
    assert refused.returncode == 1
    assert "not found" in refused.stderr


def test_outbox_status_and_lag_read_every_service(system):
    outbox = cli(system, "outbox", "status")
    assert outbox.returncode == 0, outbox.stdout + outbox.stderr
    lag = cli(system, "lag")
    assert lag.returncode == 0, lag.stdout + lag.stderr
    for name in CONSUMERS:
        assert name in outbox.stdout
        assert re.search(rf"{name}\s.*complaint-events", lag.stdout), lag.stdout


def test_a_dead_letter_redriven_with_corrected_data_applies_once(system, tmp_path):
    """A publisher sent a receipt whose data lacks the receiving unit and channel: every
    consumer refuses it. Redriven with the corrected data (same event id, key and headers), the
    complaint comes into being once; redriving it a second time changes nothing."""
    cid = new_id()
    good = received(cid, "dead letter redrive check")
    key, value, headers = to_kafka(good)
    broken = {k: v for k, v in good.data.items() if k not in ("receiving_unit", "channel")}
    produce_raw(system.bootstrap, [(key, json.dumps(broken).encode(), headers)])

    def dead_letters() -> dict[str, str]:
        records = [r for r in read_all(system.bootstrap, DEAD_LETTERS) if r.key == key]
        refs = {
            dict(r.headers)["dlq_consumer"].decode(): f"{r.partition}:{r.offset}" for r in records
        }
        return refs if set(refs) >= CONSUMERS else {}

    refs = wait_for(dead_letters, what="the bad receipt dead-lettered by every consumer")

    listed = cli(system, "dlq", "list", "--complaint", cid)
    assert listed.returncode == 0, listed.stderr
    for consumer, ref in refs.items():
        row = next(line for line in listed.stdout.splitlines() if f" {ref} " in line)
        assert consumer in row and good.id in row and "invalid data" in row

    shown = cli(system, "dlq", "show", refs["intake"])
    assert shown.returncode == 0, shown.stderr
    assert "receiving_unit" in shown.stdout  # the reason names the missing fields
    assert "dlq_reason" not in shown.stdout.split("original headers")[1]
    assert "also refused by" in shown.stdout

    # As it is, it would only be refused again.
    again = cli(system, "dlq", "redrive", refs["intake"])
    assert again.returncode == 1
    assert "would be refused again" in again.stderr
    with system.client("GD") as client:
        assert client.get(system.url("intake", f"/v1/complaints/{cid}")).status_code == 404

    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps(good.data))
    redriven = cli(system, "dlq", "redrive", refs["intake"], "--data", str(fixed))
    assert redriven.returncode == 0, redriven.stderr
    assert "re-published" in redriven.stdout

    with system.client("GD") as client:
        view = wait_for(
            lambda: (
                client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
                if client.get(system.url("intake", f"/v1/complaints/{cid}")).status_code == 200
                else None
            ),
            what="the redriven receipt applied",
        )
        assert view["receiving_unit"] == "GD-SZ-01"
        wait_for(
            lambda: (
                client.get(system.url("intake", f"/v1/complaints/{cid}")).json().get("owner_unit")
            ),
            what="routing to assign the redriven complaint",
        )

        # A second redrive of the same record: every consumer drops it by its event id.
        before = duplicates_seen(system, "intake")
        second = cli(system, "dlq", "redrive", refs["routing"], "--data", str(fixed))
        assert second.returncode == 0, second.stderr
        wait_for(
            lambda: duplicates_seen(system, "intake") > before, what="intake to drop the repeat"
        )
        timeline = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()
        counts = Counter(event["type"] for event in timeline["events"])
        assert counts["complaint.received"] == 1
        assert counts["complaint.assigned"] == 1
        assert timeline["events"][0]["event_id"] == good.id
