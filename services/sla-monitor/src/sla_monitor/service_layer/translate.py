"""Between the log and the fold: events in as clock inputs, effects out as `sla.*` events.

An effect's event id is derived from the complaint, the clock, its run and what happened, so
the same effect gets the same id whether the ticker or an event's handler fires it, and a
replay or a redelivery emits nothing new.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, derived_id

from ..domain import clocks as k

SOURCE = "/sla-monitor"
# The log's event types the clocks listen to.
LISTENS_TO: tuple[type[Event], ...] = (
    c.ComplaintReceived,
    r.ComplaintAssigned,
    r.ComplaintTransferred,
    c.ComplaintAccepted,
    c.DeadlineCommitted,
    c.WaitingOnCustomer,
    c.CustomerResponded,
    c.Resolved,
    c.Reopened,
    c.Closed,
)


def clock_input(envelope: Envelope, event: Event) -> k.ClockInput | None:
    """The fold's input for a log event; its time is the event's time."""
    at = envelope.time
    match event:
        case c.ComplaintReceived():
            return k.Received(event.kind, event.receiving_unit, event.received_at)
        case r.ComplaintAssigned():
            return k.Assigned(event.owner_unit, event.handling_level, at, event.previous_owner)
        case r.ComplaintTransferred():
            return k.Transferred(event.from_unit, event.to_unit, at)
        case c.ComplaintAccepted():
            return k.Accepted(event.unit, event.at)
        case c.DeadlineCommitted():
            return k.DeadlineCommitted(event.committed_deadline, event.at)
        case c.WaitingOnCustomer():
            return k.WaitingOnCustomer(event.at)
        case c.CustomerResponded():
            return k.CustomerResponded(event.at)
        case c.Resolved():
            return k.Resolved(event.at)
        case c.Reopened():
            return k.Reopened(event.at)
        case c.Closed():
            return k.Closed(event.at)
    return None


def effect_event(
    effect: k.ClockEffect, state: k.ComplaintClocks, calendars: k.Calendars
) -> tuple[Event, str]:
    """The `sla.*` event of an effect, and what distinguishes it within its clock run."""
    match effect:
        case k.ClockStarted():
            return s.ClockStarted(
                clock=effect.clock,
                owner_unit=effect.owner,
                handling_level=effect.handling_level,
                started_at=effect.started_at,
                due_at=effect.due_at,
                budget_seconds=effect.budget_seconds,
                calendar=effect.calendar,
            ), "started"
        case k.ClockPaused():
            return s.ClockPaused(
                clock=effect.clock,
                owner_unit=effect.owner,
                paused_at=effect.at,
                remaining_seconds=effect.remaining_seconds,
                due_at=_paused_due(effect, state, calendars),
            ), f"paused@{effect.at.isoformat()}"
        case k.ClockResumed():
            return s.ClockResumed(
                clock=effect.clock,
                owner_unit=effect.owner,
                resumed_at=effect.at,
                due_at=effect.due_at,
            ), f"resumed@{effect.at.isoformat()}"
        case k.ClockStopped():
            return s.ClockStopped(
                clock=effect.clock,
                owner_unit=effect.owner,
                outcome=effect.outcome,
                stopped_at=effect.at,
                late=effect.late,
            ), "stopped"
        case k.ClockWarned():
            return s.SlaWarning(
                clock=effect.clock,
                owner_unit=effect.owner,
                due_at=effect.due_at,
                point=effect.point,
                remaining_seconds=effect.remaining_seconds,
            ), f"warning:{effect.point}"
        case k.ClockBreached():
            return s.SlaBreached(
                clock=effect.clock, owner_unit=effect.owner, due_at=effect.due_at
            ), "breached"
    raise TypeError(f"unknown clock effect {effect!r}")


def _paused_due(
    effect: k.ClockPaused, state: k.ComplaintClocks, calendars: k.Calendars
) -> datetime:
    """The due time a paused clock would have if resumed the moment it paused."""
    clock = state.clock(effect.clock)
    if clock is not None and clock.run == effect.run and clock.status == "paused":
        due = k.projected_due(clock, effect.at, calendars)
        if due is not None:
            return due
    return effect.at + _seconds(effect.remaining_seconds)


def _seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


def effect_envelopes(
    complaint_id: str,
    effects: list[k.ClockEffect],
    cause: Envelope | None,
    state: k.ComplaintClocks,
    calendars: k.Calendars,
) -> list[Envelope]:
    envelopes = []
    for effect in effects:
        event, what = effect_event(effect, state, calendars)
        event_id = derived_id(
            complaint_id, event.type_name(), f"{effect.clock}|{effect.run}|{what}"
        )
        envelopes.append(
            Envelope(
                id=event_id,
                source=SOURCE,
                type=event.type_name(),
                subject=complaint_id,
                time=effect.time,  # the instant the effect marks, never processing time
                data=event.model_dump(mode="json"),
                causation_id=cause.id if cause else None,
                correlation_id=(cause.correlation_id or cause.id) if cause else None,
                trace=dict(cause.trace) if cause else {},
            )
        )
    return envelopes
