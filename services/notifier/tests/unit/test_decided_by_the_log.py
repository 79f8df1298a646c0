"""What the notifier records is a function of the log alone: applying the same events at any
wall-clock moments (a notifier keeping up, or catching up after an outage) records the same
alerts and facts, in every column `replay --check` compares. How the alerts go out (status,
deliveries, rate windows) is the dispatcher's business and may differ.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from notifier.replay import COMPARED

CID = "c-1"
OWNER = "YN-KM-01"
ALERTS = next(compared for compared in COMPARED if compared.name == "alerts")
HOUR = 3600
LAGS = st.lists(st.integers(0, 3 * 24 * HOUR), min_size=7, max_size=7)


def story(received: Any, at: Any, due_in: int, stop_after_due: int | None) -> list[tuple]:
    """(event id, event, event time) of one complaint: received, assigned, two warnings of
    its resolve clock, then (unless the clock stopped first) its breach and escalation, and
    perhaps the clock stopping (seconds after the due time; negative: before it)."""
    due = at + timedelta(seconds=due_in)

    def warning(point: str, before: int) -> s.SlaWarning:
        return s.SlaWarning(
            clock="resolve", owner_unit=OWNER, due_at=due, point=point, remaining_seconds=before
        )

    assigned = r.ComplaintAssigned(owner_unit=OWNER, handling_level="branch", rule="t", reason="t")
    events: list[tuple[str, Event, Any]] = [
        ("e-received", received(), at),
        ("e-assigned", assigned, at + timedelta(minutes=1)),
        ("e-warning-75", warning("75%", due_in // 4), due - timedelta(seconds=due_in // 4)),
        ("e-warning-1h", warning("1h", HOUR), due - timedelta(hours=1)),
    ]
    stopped_at = None if stop_after_due is None else due + timedelta(seconds=stop_after_due)
    if stopped_at is None or stopped_at > due:
        escalated = r.ComplaintEscalated(
            from_unit=OWNER, to_unit="YN-KM", clock="resolve", reason="t"
        )
        breached = s.SlaBreached(clock="resolve", owner_unit=OWNER, due_at=due)
        events += [("e-breached", breached, due), ("e-escalated", escalated, due)]
    if stopped_at is not None:
        stop = s.ClockStopped(
            clock="resolve",
            owner_unit=OWNER,
            outcome="met",
            stopped_at=stopped_at,
            late=stopped_at > due,
        )
        events.append(("e-stopped", stop, stopped_at))
    return events


async def record(harness: Any, events: list[tuple], lags: list[int]) -> tuple[dict, Any]:
    """Apply the events in log order, each `lag` seconds after its time; what was recorded."""
    for (event_id, event, time), lag in zip(events, lags, strict=False):
        harness.now = max(harness.now, time + timedelta(seconds=lag))  # a wall clock
        await harness.handle(CID, event, time=time, event_id=event_id)
    alerts = {row["alert_id"]: ALERTS.comparable(row) for row in harness.alerts(CID)}
    return alerts, harness.tables.facts[CID]


# Both fixtures are factories, stateless: each example makes its own harnesses.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    due_in=st.integers(2 * HOUR, 5 * 24 * HOUR),
    stop_after_due=st.none() | st.integers(-50 * 60, 4 * HOUR),
    first=LAGS,
    second=LAGS,
)
def test_the_same_events_record_the_same_alerts_whenever_they_are_applied(
    new_harness, received, due_in, stop_after_due, first, second
):
    one, other = new_harness(), new_harness()
    events = story(received, one.now, due_in, stop_after_due)
    live = asyncio.run(record(one, events, first))
    replayed = asyncio.run(record(other, events, second))
    assert live == replayed
    assert len(live[0]) >= 3  # the assignment and both warnings at least


async def test_a_warning_applied_after_its_due_time_is_recorded_and_expires(harness, received):
    [*before, late, _] = story(received, harness.now, 2 * HOUR, 30 * 60)[:5]
    harness.now = late[2] + timedelta(days=1)  # the notifier was away
    for event_id, event, time in (*before, late):
        await harness.handle(CID, event, time=time, event_id=event_id)
    warnings = [a for a in harness.alerts(CID) if a["cause_type"] == "sla.warning"]
    assert len(warnings) == 2
    assert all(a["expires_at"] == late[1].due_at and a["status"] == "pending" for a in warnings)


async def test_a_warning_after_its_breach_in_the_log_tells_nobody(harness, received):
    events = story(received, harness.now, 2 * HOUR, None)
    warning, breach = events[3], events[4]
    for event_id, event, time in (*events[:2], breach, warning):
        await harness.handle(CID, event, time=time, event_id=event_id)
    assert [a["cause_type"] for a in harness.alerts(CID)] == ["complaint.assigned", "sla.breached"]


async def test_a_stopped_clock_supersedes_its_warnings_not_yet_sent(harness, received):
    events = story(received, harness.now, 2 * HOUR, -30 * 60)  # met 30 min before due
    for event_id, event, time in events:
        await harness.handle(CID, event, time=time, event_id=event_id)
    told = {(a["cause_type"], a["status"], a["reason"]) for a in harness.alerts(CID)}
    assert told == {
        ("complaint.assigned", "pending", None),
        ("sla.warning", "superseded", "the resolve clock stopped first"),
    }
