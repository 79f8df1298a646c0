"""Intake keeps accepting while the broker is unreachable, and nothing is lost or doubled."""

from __future__ import annotations

from collections import Counter

import pytest

from complaints_shared.testing import wait_for

pytestmark = pytest.mark.e2e

BODY = {
    "kind": "complaint",
    "channel": "letter",
    "receiving_unit": "YN-DL",
    "business_line": "loans",
    "received_at": "2026-11-18T09:30:00+08:00",
    "customer": {"name": "李雷", "phone": "13912345678"},
    "summary": "Loan statement never arrived",
}


def test_a_complaint_posted_during_a_broker_outage_reaches_every_service_once(system):
    with system.client("YN") as client:
        system.proxy.cut()
        try:
            response = client.post(system.url("intake", "/v1/complaints"), json=BODY)
            assert response.status_code == 202, response.text
            cid = response.json()["complaint_id"]
            # Registered and kept in intake's outbox, not in the log yet: not routed.
            view = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
            assert view["status"] == "received"
        finally:
            system.proxy.restore()

        def everywhere() -> dict | None:
            view = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
            alerts = (
                client.get(
                    system.url("notifier", "/v1/notifications"), params={"complaint_id": cid}
                )
                .json()
                .get("notifications", [])
            )
            if view.get("owner_unit") and view.get("clocks") and alerts:
                return view
            return None

        view = wait_for(everywhere, timeout=60, what="the complaint in every service")
        assert view["owner_unit"] is not None

        def told() -> dict | None:
            history = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()
            kinds = Counter(event["type"] for event in history["events"])
            return history["events"] if kinds["notification.sent"] else None

        events = wait_for(told, what="the owner told")
        counts = Counter(event["type"] for event in events)
        assert counts["complaint.received"] == 1
        assert counts["complaint.assigned"] == 1
        started = [e["data"]["clock"] for e in events if e["type"] == "sla.clock_started"]
        assert started and len(started) == len(set(started))  # no clock started twice
        alerts = client.get(
            system.url("notifier", "/v1/notifications"), params={"complaint_id": cid}
        ).json()["notifications"]
        deliveries = [
            (a["cause_event_id"], a["recipient_unit"], a["channel"], a["recipient"]) for a in alerts
        ]
        assert len(deliveries) == len(set(deliveries))  # nobody told twice
