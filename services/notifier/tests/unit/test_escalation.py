"""Breaches and routing's escalation of them, on the fake stores (demo organisation: outlet
YN-KM-01 under branch YN-KM under province YN, whose supervision line is YN-SUP; escalation
steps 0, 30 min and 2 h after the clock's due time)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s

CID = "c-1"


def assigned(owner: str) -> r.ComplaintAssigned:
    return r.ComplaintAssigned(owner_unit=owner, handling_level="branch", rule="t", reason="t")


def escalated(owner: str = "YN-KM-01", to_unit: str = "YN-KM") -> r.ComplaintEscalated:
    return r.ComplaintEscalated(from_unit=owner, to_unit=to_unit, clock="resolve", reason="t")


def breached(due, owner: str = "YN-KM-01") -> s.SlaBreached:
    return s.SlaBreached(clock="resolve", owner_unit=owner, due_at=due)


def stopped(at) -> s.ClockStopped:
    return s.ClockStopped(
        clock="resolve", owner_unit="YN-KM-01", outcome="met", stopped_at=at, late=True
    )


@pytest.fixture
async def owned(harness, received):
    """A complaint received and owned by outlet YN-KM-01 (its assignment alert recorded)."""
    await harness.handle(CID, received())
    await harness.handle(CID, assigned("YN-KM-01"))
    return harness


def breach_alerts(harness):
    return [a for a in harness.alerts(CID) if a["cause_type"] != "complaint.assigned"]


def schedule(harness):
    """unit -> (role, status, when it is due) of every breach and escalation alert (alerts are
    recorded in address order, so the order says nothing)."""
    return {
        a["recipient_unit"]: (a["role"], a["status"], harness.delivery_of(a)["next_attempt_at"])
        for a in breach_alerts(harness)
    }


def alert_to(harness, unit):
    return next(a for a in breach_alerts(harness) if a["recipient_unit"] == unit)


async def test_a_breach_tells_the_owner_at_once_and_is_remembered(owned):
    due = owned.now - timedelta(minutes=5)
    await owned.handle(CID, breached(due), time=due)
    assert schedule(owned) == {"YN-KM-01": ("owner", "pending", owned.now)}
    breach = owned.tables.facts[CID].breach_of("resolve")
    assert breach is not None and breach.owner == "YN-KM-01" and breach.due_at == due
    assert breach.owner_told and breach.stopped_at is None
    # How late it is when the notifier applies it is no part of the text: the due time is.
    message = breach_alerts(owned)[0]["message"]
    assert "was due 2026-11-23 10:10 (Asia/Shanghai). Owner:" in message
    assert "late" not in message


async def test_a_long_late_escalation_tells_the_accountable_unit_and_wider_at_once(owned):
    due = owned.now - timedelta(hours=3)
    await owned.handle(CID, breached(due), time=due)
    await owned.handle(CID, escalated(), time=due)  # routing: the breach's due time
    now = owned.now
    assert schedule(owned) == {
        "YN-KM-01": ("owner", "pending", now),  # the breach; the escalation does not repeat it
        "YN-KM": ("accountable", "pending", now),
        # the later steps keep their times, which have passed: due at once
        "YN": ("supervisor", "pending", due + timedelta(minutes=30)),
        "YN-SUP": ("province_supervision", "pending", due + timedelta(hours=2)),
    }
    assert [alert_to(owned, unit)["scheduled_for"] for unit in ("YN", "YN-SUP")] == [
        due + timedelta(minutes=30),
        due + timedelta(hours=2),
    ]
    assert "is at least 30m late" in alert_to(owned, "YN")["message"]
    assert "is at least 2h late" in alert_to(owned, "YN-SUP")["message"]
    assert "late. Owner" not in alert_to(owned, "YN-KM")["message"]
    assert len(breach_alerts(owned)) == 4


async def test_a_fresh_escalation_schedules_the_wider_steps_from_the_due_time(owned):
    due = owned.now
    await owned.handle(CID, breached(due), time=due)
    await owned.handle(CID, escalated(), time=due)
    assert schedule(owned) == {
        "YN-KM-01": ("owner", "pending", due),
        "YN-KM": ("accountable", "pending", due),
        "YN": ("supervisor", "pending", due + timedelta(minutes=30)),
        "YN-SUP": ("province_supervision", "pending", due + timedelta(hours=2)),
    }
    steps = [alert_to(owned, "YN"), alert_to(owned, "YN-SUP")]
    assert [a["scheduled_for"] for a in steps] == [
        due + timedelta(minutes=30),
        due + timedelta(hours=2),
    ]
    assert all(owned.delivery_of(a)["kind"] == "single" for a in steps)  # never folded


async def test_a_stopped_clock_calls_off_the_steps_not_yet_due(owned):
    due = owned.now
    await owned.handle(CID, breached(due), time=due)
    await owned.handle(CID, escalated(), time=due)
    owned.now = due + timedelta(hours=1)
    await owned.handle(CID, stopped(owned.now))
    assert {unit: status for unit, (_, status, _) in schedule(owned).items()} == {
        "YN-KM-01": "pending",
        "YN-KM": "pending",
        "YN": "pending",  # due at 30 min: before the clock stopped
        "YN-SUP": "cancelled",
    }
    called_off = alert_to(owned, "YN-SUP")
    assert called_off["reason"] == "the resolve clock stopped first"
    assert owned.delivery_of(called_off)["status"] == "cancelled"
    breach = owned.tables.facts[CID].breach_of("resolve")
    assert breach is not None and breach.stopped_at == owned.now


async def test_an_escalation_after_the_clock_stopped_leaves_out_the_moot_steps(owned):
    due = owned.now
    await owned.handle(CID, breached(due), time=due)
    await owned.handle(CID, stopped(due + timedelta(hours=1)))
    await owned.handle(CID, escalated(), time=due)
    assert set(schedule(owned)) == {"YN-KM-01", "YN-KM", "YN"}


async def test_an_escalation_whose_breach_was_not_seen_tells_the_owner_too(owned):
    due = owned.now - timedelta(hours=1)
    await owned.handle(CID, escalated(), time=due)
    assert {unit: role for unit, (role, _, _) in schedule(owned).items()} == {
        "YN-KM": "accountable",
        "YN-KM-01": "owner",
        "YN": "supervisor",
        "YN-SUP": "province_supervision",
    }
    # The breach is taken at the escalation's time, and remembered as having told the owner.
    breach = owned.tables.facts[CID].breach_of("resolve")
    assert breach is not None and breach.due_at == due and breach.owner_told
    assert schedule(owned)["YN-SUP"][2] == due + timedelta(hours=2)


async def test_a_redelivered_escalation_tells_nobody_twice(owned):
    due = owned.now
    envelope = await owned.handle(CID, escalated(), time=due)
    before = len(owned.alerts(CID))
    await owned.handle(CID, escalated(), time=due, event_id=envelope.id)
    assert len(owned.alerts(CID)) == before
