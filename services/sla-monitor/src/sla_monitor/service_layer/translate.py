"""Between the log and the fold: events in as clock inputs, effects out as `sla.*` events.

An effect's event id is derived from the complaint, the clock, its run and what happened, so
the same effect gets the same id whether the ticker or an event's handler fires it, and a
replay or a redelivery emits nothing new (docs/architecture.md#deterministic-derived-ids).

A warning, a breach and a stop carry the handler the effect is attributed to (`handler`, the
member of staff holding the complaint at that moment, from the shared lifecycle fold).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import cache

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Cause, Envelope, derived_envelope, derived_id
from complaints_shared.organisation import Organisation

from ..domain import clocks as k
from ..domain.return_visits import return_visit_owner

SOURCE = "/sla-monitor"
# The log's event types the clocks listen to.
LISTENS_TO: tuple[type[Event], ...] = (
    c.ComplaintReceived,
    r.ComplaintAssigned,
    r.ComplaintTransferred,
    c.ComplaintAccepted,
    c.DeadlineCommitted,
    c.PlanDecided,
    c.ExtensionRequested,
    c.ExtensionDecided,
    c.WaitingOnCustomer,
    c.CustomerResponded,
    c.Resolved,
    c.Reopened,
    c.ReturnVisitRecorded,
    c.Closed,
)
# The receiving unit -> the unit that owes its complaint's return visit (None: nobody).
VisitOwners = Callable[[str], str | None]


def visit_owners(org: Organisation | None) -> VisitOwners:
    """Who owes the return visit of a complaint received at a unit of `org`, memoised.

    Without an organisation nobody does, and no return-visit clock starts: only for callers
    that do not care about return visits (a benchmark); the live handler and every rebuild
    pass the organisation they take their calendars from.
    """
    if org is None:
        return lambda unit: None
    return cache(lambda unit: return_visit_owner(org, unit))


def clock_input(envelope: Envelope, event: Event, owners: VisitOwners) -> k.ClockInput | None:
    """The fold's input for a log event; its time is the event's time. A receipt carries what
    decides its return visit and, from `owners`, who would owe it; an extension request is
    known by its event's id."""
    at = envelope.time
    match event:
        case c.ComplaintReceived():
            return k.Arrival(
                event.kind,
                event.receiving_unit,
                event.received_at,
                complaint_id=envelope.subject,
                major=event.severity == "major",
                key_customer=event.customer.key_customer,
                prior_complaints=event.prior_complaints,
                visit_owner=owners(event.receiving_unit),
                business_line=event.business_line,
            )
        case r.ComplaintAssigned():
            return k.Assignment(event.owner_unit, event.handling_level, at, event.previous_owner)
        case r.ComplaintTransferred():
            return k.Transfer(event.from_unit, event.to_unit, at)
        case c.ComplaintAccepted():
            return k.Acceptance(event.unit, event.at)
        case c.DeadlineCommitted():
            return k.DeadlinePromise(event.committed_deadline, event.at)
        case c.PlanDecided():
            return k.PlanDecision(event.at, event.promised_by)
        case c.ExtensionRequested():
            return k.ExtensionRequest(envelope.id, event.unit, event.until, event.at)
        case c.ExtensionDecided():
            return k.ExtensionDecision(event.request_id, event.decision == "approved", event.at)
        case c.WaitingOnCustomer():
            return k.CustomerWait(event.at)
        case c.CustomerResponded():
            return k.CustomerReply(event.at)
        case c.Resolved():
            return k.Resolution(event.at)
        case c.Reopened():
            return k.Reopening(event.at)
        case c.ReturnVisitRecorded():
            return k.ReturnVisit(event.at)
        case c.Closed():
            return k.Closing(event.at)
    return None


def effect_event(
    effect: k.ClockEffect, state: k.ComplaintClocks, calendars: k.Calendars
) -> tuple[Event, str]:
    """The `sla.*` event of an effect, and what distinguishes it within its clock run."""
    match effect:
        case k.ClockStart():
            return s.ClockStarted(
                clock=effect.clock,
                owner_unit=effect.owner,
                handling_level=effect.handling_level,
                started_at=effect.started_at,
                due_at=effect.due_at,
                budget_seconds=effect.budget_seconds,
                calendar=effect.calendar,
            ), "started"
        case k.ClockPause():
            return s.ClockPaused(
                clock=effect.clock,
                owner_unit=effect.owner,
                paused_at=effect.at,
                remaining_seconds=effect.remaining_seconds,
                due_at=_paused_due(effect, state, calendars),
            ), f"paused@{effect.at.isoformat()}"
        case k.ClockResumption():
            return s.ClockResumed(
                clock=effect.clock,
                owner_unit=effect.owner,
                resumed_at=effect.at,
                due_at=effect.due_at,
            ), f"resumed@{effect.at.isoformat()}"
        case k.ClockReschedule():
            return s.ClockRescheduled(
                clock=effect.clock,
                owner_unit=effect.owner,
                due_at=effect.due_at,
                previous_due_at=effect.previous_due_at,
                reason=effect.reason,
            ), f"rescheduled:{effect.key}"
        case k.ClockStop():
            return s.ClockStopped(
                clock=effect.clock,
                owner_unit=effect.owner,
                outcome=effect.outcome,
                stopped_at=effect.at,
                late=effect.late,
                margin_seconds=effect.margin_seconds,
                due_at=effect.due_at,
                handler=handler_ref(effect.handler),
            ), "stopped"
        case k.ClockWarning():
            return s.SlaWarning(
                clock=effect.clock,
                owner_unit=effect.owner,
                due_at=effect.due_at,
                point=effect.point,
                remaining_seconds=effect.remaining_seconds,
                handler=handler_ref(effect.handler),
            ), f"warning:{effect.point}"
        case k.ClockBreach():
            return s.SlaBreached(
                clock=effect.clock,
                owner_unit=effect.owner,
                due_at=effect.due_at,
                handler=handler_ref(effect.handler),
            ), "breached"
    raise TypeError(f"unknown clock effect {effect!r}")


def handler_ref(handler: k.Handler | None) -> c.HandlerRef | None:
    """The contract's form of the handler an effect is attributed to."""
    return None if handler is None else c.HandlerRef(id=handler.id, name=handler.name)


def _paused_due(effect: k.ClockPause, state: k.ComplaintClocks, calendars: k.Calendars) -> datetime:
    """The due time a paused clock would have if resumed the moment it paused."""
    clock = state.clock(effect.clock)
    if clock is not None and clock.run == effect.run and clock.status == "paused":
        due = k.projected_due(clock, effect.at, calendars)
        if due is not None:
            return due
    return effect.at + timedelta(seconds=effect.remaining_seconds)


def cause_of(envelope: Envelope) -> Cause:
    """What an event derived from `envelope` takes from it."""
    return Cause(envelope.id, envelope.correlation_id, envelope.trace)


def sla_envelope(
    complaint_id: str, event: Event, *, what: str, time: datetime, cause: Cause | None
) -> Envelope:
    """An `sla.*` event of the complaint. Its id is derived from the complaint id, the event
    type and `what`, never from the cause, so whoever derives it gets the same id.

    With a cause (the log event being handled) causation, correlation and trace chain from
    it. Without one (a timer fired by the ticker, or a rebuild from the log) no event caused
    it, and the envelope carries no causation or correlation id.
    """
    if cause is not None:
        return derived_envelope(
            cause,
            type=event.type_name(),
            source=SOURCE,
            subject=complaint_id,
            time=time,
            data=event.model_dump(mode="json"),
            seed=complaint_id,
            discriminator=what,
        )
    return Envelope(
        id=derived_id(complaint_id, event.type_name(), what),
        source=SOURCE,
        type=event.type_name(),
        subject=complaint_id,
        time=time,
        data=event.model_dump(mode="json"),
    )


def effect_envelopes(
    complaint_id: str,
    effects: Sequence[k.ClockEffect],
    cause: Cause | None,
    state: k.ComplaintClocks,
    calendars: k.Calendars,
) -> list[Envelope]:
    """The `sla.*` events of `effects`, each at the instant it marks (never processing time)."""
    envelopes = []
    for effect in effects:
        event, what = effect_event(effect, state, calendars)
        envelopes.append(
            sla_envelope(
                complaint_id,
                event,
                what=f"{effect.clock}|{effect.run}|{what}",
                time=effect.time,
                cause=cause,
            )
        )
    return envelopes
