"""Issue 4 through the running services: deadlines from event time, breaches on time, replay."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from complaints_shared.testing import wait_for

pytestmark = pytest.mark.e2e


def body(**overrides) -> dict:
    return {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": "GD-GZ-01",
        "business_line": "deposits",
        "received_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(),
        "customer": {"name": "钱七", "phone": "13500000000"},
        "summary": "clock scenario",
    } | overrides


def events_of(system, client, cid: str, type_: str) -> list[dict]:
    history = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()
    return [e for e in history["events"] if e["type"] == type_]


def clock(system, client, cid: str, name: str) -> dict | None:
    clocks = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()["clocks"]
    return next((c for c in clocks if c["name"] == name), None)


def sign_for(system, client, cid: str, owner: str = "GD-GZ-01") -> None:
    """The owner signs for the complaint (after routing assigned it) and intake shows it in
    progress: committing a deadline or waiting on the customer needs that status."""
    response = client.post(
        system.url("intake", f"/v1/complaints/{cid}/events"),
        json={"type": "accepted", "unit": owner, "at": datetime.now(UTC).isoformat()},
    )
    assert response.status_code == 202, response.text
    wait_for(lambda: status_of(system, client, cid) == "in_progress", what="status in_progress")


def status_of(system, client, cid: str) -> str | None:
    return client.get(system.url("intake", f"/v1/complaints/{cid}")).json().get("status")


def test_a_promised_deadline_seconds_ahead_breaches_on_time_and_is_escalated(system):
    with system.client("GD-GZ") as client:
        cid = client.post(system.url("intake", "/v1/complaints"), json=body()).json()[
            "complaint_id"
        ]
        wait_for(lambda: clock(system, client, cid, "resolve"), what="the resolve clock")
        sign_for(system, client, cid)
        promised = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
        action = {
            "type": "deadline_committed",
            "unit": "GD-GZ-01",
            "at": datetime.now(UTC).isoformat(),
            "committed_deadline": promised.isoformat(),
        }
        response = client.post(system.url("intake", f"/v1/complaints/{cid}/events"), json=action)
        assert response.status_code == 202, response.text

        breach = wait_for(
            lambda: [
                e
                for e in events_of(system, client, cid, "sla.breached")
                if e["data"]["clock"] == "committed"
            ],
            what="the committed clock's breach in the log",
        )[0]
        assert datetime.fromisoformat(breach["time"]) == promised  # a timer event's time
        escalation = wait_for(
            lambda: [
                e
                for e in events_of(system, client, cid, "complaint.escalated")
                if e["data"]["clock"] == "committed"
            ],
            what="routing's escalation",
        )[0]
        assert escalation["data"]["to_unit"] == "GD-GZ"
        assert wait_for(
            lambda: (clock(system, client, cid, "committed") or {}).get("state") == "breached",
            what="GET shows the committed clock breached",
        )
        listed = client.get(
            system.url("sla-monitor", "/v1/sla/breaches"),
            params={"unit": "GD-GZ", "from": (promised - timedelta(seconds=1)).isoformat()},
        ).json()["breaches"]
        assert {(b["complaint_id"], b["clock"]) for b in listed} >= {(cid, "committed")}
        due = client.get(
            system.url("sla-monitor", "/v1/sla/due"), params={"unit": "GD-GZ", "within": "P2D"}
        ).json()["clocks"]
        assert cid in {c["complaint_id"] for c in due}  # its resolve clock, not yet due
        assert (
            system.client("YN")
            .get(system.url("sla-monitor", "/v1/sla/breaches"), params={"unit": "GD-GZ"})
            .status_code
            == 403
        )


def test_waiting_on_the_customer_pauses_resolve_and_the_answer_resumes_it(system):
    with system.client("GD-GZ") as client:
        cid = client.post(system.url("intake", "/v1/complaints"), json=body()).json()[
            "complaint_id"
        ]
        running = wait_for(lambda: clock(system, client, cid, "resolve"), what="resolve")
        sign_for(system, client, cid)
        now = datetime.now(UTC)
        for kind, then in (
            ("waiting_on_customer", "waiting_on_customer"),
            ("customer_responded", "in_progress"),
        ):
            response = client.post(
                system.url("intake", f"/v1/complaints/{cid}/events"),
                json={"type": kind, "unit": "GD-GZ-01", "at": now.isoformat()},
            )
            assert response.status_code == 202, response.text
            wait_for(lambda then=then: status_of(system, client, cid) == then, what=then)
        wait_for(lambda: events_of(system, client, cid, "sla.clock_resumed"), what="the resume")
        paused = events_of(system, client, cid, "sla.clock_paused")[0]["data"]
        resumed = clock(system, client, cid, "resolve")
    assert paused["remaining_seconds"] > 0
    # Paused and resumed at the same instant: the due time is where it was.
    assert datetime.fromisoformat(resumed["due_at"]) == datetime.fromisoformat(running["due_at"])
    assert resumed["state"] == "running"


def test_replaying_the_log_gives_the_live_projection(system):
    # Whatever the other tests left in the log: replay must reproduce it exactly. The live
    # consumer may still be applying the other tests' last events (under load it lags the
    # ticker), so a check that finds differences is run again until the deadline.
    deadline = time.monotonic() + 120
    while True:
        result = subprocess.run(
            [sys.executable, "-m", "sla_monitor", "replay", "--check"],
            env=system.stack.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(2)  # let the consumer catch up before checking again
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 differ" in result.stdout


def test_after_a_change_of_durations_running_clocks_are_recomputed_on_restart(system):
    with system.client("GD-GZ") as client:
        cid = client.post(system.url("intake", "/v1/complaints"), json=body()).json()[
            "complaint_id"
        ]
        before = wait_for(lambda: clock(system, client, cid, "resolve"), what="resolve")
        try:
            system.stack.stop_service("sla-monitor")
            system.stack.start_service("sla-monitor", {"RESOLVE_DAYS_BRANCH": "2"})
            system.stack.wait_healthy("sla-monitor")
            moved = wait_for(
                lambda: [
                    e
                    for e in events_of(system, client, cid, "sla.clock_rescheduled")
                    if e["data"]["clock"] == "resolve"
                ],
                what="the resolve clock rescheduled",
            )[0]["data"]
        finally:
            system.stack.stop_service("sla-monitor")
            system.stack.start_service("sla-monitor")
            system.stack.wait_healthy("sla-monitor")
        after = wait_for(
            lambda: (
                (c := clock(system, client, cid, "resolve"))
                and c["due_at"] == before["due_at"]
                and c
            ),
            what="the default durations restored",
        )
    assert datetime.fromisoformat(moved["previous_due_at"]) == datetime.fromisoformat(
        before["due_at"]
    )
    assert datetime.fromisoformat(moved["due_at"]) > datetime.fromisoformat(before["due_at"])
    assert after["state"] == "running"
