"""Event builders for the dashboard's unit tests (contract classes, as the consumer parses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from dashboard.domain.fold import apply
from dashboard.domain.model import Complaint

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def received(unit: str = "YN-KM-01", when: datetime = T0, **overrides) -> c.ComplaintReceived:
    values = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": unit,
        "business_line": "cards",
        "received_at": when,
        "customer": c.Customer(name="张**", phone="*******8000"),
        "summary": "card swallowed by the machine",
        "posted_by": unit,
    }
    return c.ComplaintReceived(**(values | overrides))


def assigned(owner: str, level: str = "branch", **overrides) -> r.ComplaintAssigned:
    values = {"owner_unit": owner, "handling_level": level, "rule": "r", "reason": "because"}
    return r.ComplaintAssigned(**(values | overrides))


def action(cls: type[c.UnitAction], unit: str, when: datetime, **more) -> c.UnitAction:
    return cls(unit=unit, at=when, posted_by=unit, **more)


def started(clock: str, owner: str, when: datetime, due: datetime) -> s.ClockStarted:
    return s.ClockStarted(
        clock=clock,
        owner_unit=owner,
        started_at=when,
        due_at=due,
        budget_seconds=int((due - when).total_seconds()),
        calendar="24x7",
    )


def breached(clock: str, owner: str, due: datetime) -> s.SlaBreached:
    return s.SlaBreached(clock=clock, owner_unit=owner, due_at=due)


def stopped(clock: str, owner: str, when: datetime, outcome="met", late=False) -> s.ClockStopped:
    return s.ClockStopped(
        clock=clock, owner_unit=owner, outcome=outcome, stopped_at=when, late=late
    )


def requested(unit: str, when: datetime, until: datetime) -> c.ExtensionRequested:
    return c.ExtensionRequested(unit=unit, at=when, posted_by=unit, until=until, reason="parts")


def decided(unit: str, when: datetime, request_id: str, decision: str) -> c.ExtensionDecided:
    return c.ExtensionDecided(
        unit=unit, at=when, posted_by=unit, request_id=request_id, decision=decision, reason="ok"
    )


def rescheduled(clock: str, owner: str, previous: datetime, due: datetime) -> s.ClockRescheduled:
    return s.ClockRescheduled(
        clock=clock,
        owner_unit=owner,
        due_at=due,
        previous_due_at=previous,
        reason="deadline extension approved",
    )


def fold(*steps, complaint_id: str = "C1") -> Complaint:
    """Fold (event, event time) pairs, or (event, event time, event id) triples; an event
    alone takes its own `at`/`received_at`."""
    complaint = Complaint(complaint_id)
    for step in steps:
        if not isinstance(step, tuple):
            step = (step, _time_of(step))
        complaint = apply(complaint, *step)
    return complaint


def _time_of(event) -> datetime:
    for name in ("at", "received_at", "started_at", "stopped_at", "due_at"):
        if hasattr(event, name):
            return getattr(event, name)
    raise ValueError(f"give the time of {event!r}")
