"""A complaint posted over HTTP flows through the log to every service and back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from complaints_shared.testing import wait_for

pytestmark = pytest.mark.e2e


def complaint(**overrides) -> dict:
    body = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": "YN-KM-01",
        "business_line": "cards",
        "severity": "normal",
        "flags": [],
        "received_at": "2026-11-20T16:00:00+08:00",  # a Friday, 1.5 working hours left
        "customer": {"name": "王小明", "phone": "+86 138 0013 8000"},
        "summary": "Card swallowed by the outlet's machine",
    }
    return body | overrides


def settled(client, system, complaint_id: str) -> dict | None:
    """The complaint once it has an owner, a running resolve clock and a recorded alert."""
    view = client.get(system.url("intake", f"/v1/complaints/{complaint_id}")).json()
    alerts = (
        client.get(
            system.url("notifier", "/v1/notifications"), params={"complaint_id": complaint_id}
        )
        .json()
        .get("notifications", [])
    )
    resolve = [c for c in view.get("clocks", []) if c["name"] == "resolve"]
    if view.get("owner_unit") and resolve and resolve[0]["state"] == "running" and alerts:
        return {"view": view, "resolve": resolve[0], "alerts": alerts}
    return None


def test_a_posted_complaint_gets_an_owner_a_resolve_clock_and_an_alert(system):
    just_now = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    with system.client("YN-KM") as client:
        response = client.post(
            system.url("intake", "/v1/complaints"), json=complaint(received_at=just_now)
        )
        assert response.status_code == 202, response.text
        ids = response.json()
        assert set(ids) == {"complaint_id", "event_id"}

        state = wait_for(
            lambda: settled(client, system, ids["complaint_id"]), what="owner, clock and alert"
        )
        view = state["view"]
        assert view["owner_unit"] == "YN-KM-01"
        assert view["handling_level"] == "branch"
        assert view["customer"] == {"name": "王**", "phone": "*********8000"}
        assert datetime.fromisoformat(state["resolve"]["due_at"]) > datetime.now(UTC)
        assert state["alerts"][0]["recipient_unit"] == "YN-KM-01"
        assert "138" not in state["alerts"][0]["message"]

        def told() -> dict | None:
            history = client.get(
                system.url("intake", f"/v1/complaints/{ids['complaint_id']}/timeline")
            ).json()
            kinds = [event["type"] for event in history["events"]]
            return history if "notification.sent" in kinds else None

        timeline = wait_for(told, what="the alert recorded in the log")
        types = [event["type"] for event in timeline["events"]]
        # The receipt comes first; routing's assignment and the SLA monitor's end-to-end
        # clock, both caused by it, may come in either order.
        assert types[0] == "complaint.received"
        assert types.index("complaint.assigned") < types.index("notification.sent")
        assert {"sla.clock_started", "notification.sent"} <= set(types)
        assert timeline["events"][0]["event_id"] == ids["event_id"]
        assert [stay["unit"] for stay in timeline["stays"]] == ["YN-KM-01"]


def test_the_same_idempotency_key_returns_the_same_ids(system):
    with system.client("YN") as client:
        headers = {"Idempotency-Key": "hotline-call-4711"}
        first = client.post(
            system.url("intake", "/v1/complaints"), json=complaint(), headers=headers
        )
        again = client.post(
            system.url("intake", "/v1/complaints"), json=complaint(), headers=headers
        )
        other = client.post(
            system.url("intake", "/v1/complaints"),
            json=complaint(summary="another story"),
            headers=headers,
        )
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"


def test_an_action_is_recorded_in_the_timeline(system):
    with system.client("YN-KM") as client:
        ids = client.post(system.url("intake", "/v1/complaints"), json=complaint()).json()
        cid = ids["complaint_id"]

        def owned() -> dict | None:  # signing for it needs routing's assignment first
            view = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
            return view if view.get("owner_unit") == "YN-KM-01" else None

        wait_for(owned, what="the assignment to the outlet")
        action = {"type": "accepted", "unit": "YN-KM-01", "at": "2026-11-20T16:30:00+08:00"}
        response = client.post(system.url("intake", f"/v1/complaints/{cid}/events"), json=action)
        assert response.status_code == 202, response.text

        def accepted() -> dict | None:
            view = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
            return view if view["status"] == "in_progress" else None

        wait_for(accepted, what="status in_progress")
        timeline = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()
        assert "complaint.accepted" in [event["type"] for event in timeline["events"]]


def test_a_unit_outside_the_complaint_cannot_read_it(system):
    with system.client("YN-KM") as client:
        cid = client.post(system.url("intake", "/v1/complaints"), json=complaint()).json()[
            "complaint_id"
        ]
    with system.client("GD-GZ") as stranger:
        response = stranger.get(system.url("intake", f"/v1/complaints/{cid}"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_late_registered_complaint_clock_runs_from_received_at_and_breaches(system):
    """Received last Friday 16:00 (a letter registered late): due Monday 16:00, then breached."""
    with system.client("YN-KM") as client:
        cid = client.post(system.url("intake", "/v1/complaints"), json=complaint()).json()[
            "complaint_id"
        ]

        def breached_resolve_clock() -> dict | None:
            view = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
            clocks = [c for c in view["clocks"] if c["name"] == "resolve"]
            return clocks[0] if clocks and clocks[0]["state"] == "breached" else None

        clock = wait_for(breached_resolve_clock, what="a breached resolve clock")
    # 1 working day from Friday 16:00 with 7-hour days is Monday 16:00
    # (docs/domain.md#working-days).
    assert datetime.fromisoformat(clock["due_at"]) == datetime.fromisoformat(
        "2026-11-23T16:00:00+08:00"
    )
