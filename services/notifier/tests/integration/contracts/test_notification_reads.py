"""The `NotificationReads` contract: what `SqlNotificationReads` and the fake both answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifier.adapters.alert_store import NewAlert
from notifier.adapters.notifications import LISTED_NAMES
from notifier.domain.facts import ComplaintFacts

AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)


def alert(alert_id: str, complaint_id: str = "c-1", **more) -> NewAlert:
    values = {
        "alert_id": alert_id,
        "complaint_id": complaint_id,
        "cause_event_id": f"e-{alert_id}",
        "cause_type": "complaint.assigned",
        "recipient_unit": "YN-KM-01",
        "channel": "email",
        "recipient": "y***@complaints.example",
        "message": f"message {alert_id}",
        "subject": f"subject {alert_id}",
        "role": "owner",
        "clock": None,
        "language": "zh",
        "scheduled_for": None,
        "correlation_id": "corr",
        "trace": {},
    }
    return NewAlert(**(values | more))


async def test_facts_are_read_as_stored(stores):
    assert await stores.reads.facts("c-1") is None
    await stores.facts.save("c-1", ComplaintFacts(customer="王**"))
    assert await stores.reads.facts("c-1") == ComplaintFacts(customer="王**")


async def test_a_complaints_alerts_are_listed_in_recording_order_with_the_listed_fields(stores):
    assert await stores.reads.alerts_of("c-1") == []
    for new in (alert("b"), alert("other", complaint_id="c-2"), alert("a", clock="resolve")):
        assert await stores.alerts.add_alert(new)
    await stores.alerts.attach("a", "d-a", folded=True)
    step = alert("s", scheduled_for=AT + timedelta(hours=2), role="supervisor")
    await stores.alerts.add_alert(step)
    listed = await stores.reads.alerts_of("c-1")
    assert [row["alert_id"] for row in listed] == ["b", "a", "s"]
    assert all(tuple(row) == LISTED_NAMES for row in listed)
    first, folded, scheduled = listed
    assert {k: first[k] for k in ("status", "attempts", "sent_at", "reason", "clock")} == {
        "status": "pending",
        "attempts": 0,
        "sent_at": None,
        "reason": None,
        "clock": None,
    }
    assert first["message"] == "message b" and first["subject"] == "subject b"
    assert first["recipient"] == "y***@complaints.example" and first["role"] == "owner"
    assert folded["status"] == "folded" and folded["clock"] == "resolve"
    assert scheduled["scheduled_for"] == AT + timedelta(hours=2)
    assert scheduled["role"] == "supervisor"
    assert first["created_at"] is not None
