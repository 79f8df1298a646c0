"""The fold of the log into one complaint's dashboard facts: `complaint = apply(complaint, …)`.

Event time drives everything: `at` is the envelope's time (when it happened in the business).
Only the event contracts are relied on; clock names are data, so clocks the SLA monitor adds
later show up without a change here.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.masking import mask_name, mask_phone

from .model import FINAL_STATUSES, ClockRun, Complaint, Sample

STATUS_AFTER = {
    c.ComplaintAccepted: "in_progress",
    c.CustomerContacted: "in_progress",
    c.WaitingOnCustomer: "waiting_on_customer",
    c.CustomerResponded: "in_progress",
    c.Resolved: "resolved",
    c.Reopened: "reopened",
    c.Closed: "closed",
}


def apply(complaint: Complaint, event: Event, at: datetime) -> Complaint:
    """The complaint after `event` (a copy; the argument is left alone)."""
    view = deepcopy(complaint)
    view.last_event_at = max(filter(None, (view.last_event_at, at)))
    if isinstance(event, c.ComplaintReceived):
        _received(view, event)
    elif isinstance(event, r.ComplaintAssigned):
        _assigned(view, event, at)
    elif isinstance(event, r.ComplaintTransferred | r.ComplaintEscalated | r.ComplaintReported):
        _involve(view, event.to_unit)
    elif isinstance(event, c.UnitAction):
        _unit_action(view, event)
    elif event.NAME.startswith("sla."):
        _clock_event(view, event, at)
    return view


def _received(view: Complaint, event: c.ComplaintReceived) -> None:
    view.kind, view.channel, view.severity = event.kind, event.channel, event.severity
    view.receiving_unit, view.business_line = event.receiving_unit, event.business_line
    view.received_at = event.received_at
    view.customer_name = mask_name(event.customer.name)
    view.customer_phone = mask_phone(event.customer.phone)
    if view.status == "unknown":
        view.status = "received"
    _involve(view, event.receiving_unit)


def _assigned(view: Complaint, event: r.ComplaintAssigned, at: datetime) -> None:
    _involve(view, event.owner_unit, *event.also_involved, *event.reported_to)
    view.restricted = view.restricted or event.restricted
    view.handling_level = event.handling_level
    if view.status in ("unknown", "received"):
        view.status = "assigned"
    if event.owner_unit == view.owner_unit:
        return  # the same owner again (a late first assignment): its sign-for still stands
    view.owner_unit, view.owner_since, view.owner_accepted = event.owner_unit, at, False
    early = view.early_acceptance
    if early is not None and early[0] == event.owner_unit:
        # The unit signed for it before the assignment reached the log.
        _sample_start(view, event.owner_unit, early[1], since=at)
    view.early_acceptance = None


def _unit_action(view: Complaint, event: c.UnitAction) -> None:
    status = STATUS_AFTER.get(type(event))
    if status and (view.status not in FINAL_STATUSES or status in ("reopened", "closed")):
        view.status = status  # after a reply only a reopening or closing changes the status
    if isinstance(event, c.ComplaintAccepted):
        if event.unit == view.owner_unit and not view.owner_accepted:
            _sample_start(view, event.unit, event.at, since=view.owner_since or event.at)
        elif view.owner_unit is None:
            view.early_acceptance = (event.unit, event.at)
    elif isinstance(event, c.Resolved) and view.resolved_at is None:
        view.resolved_at = event.at
        if view.received_at is not None:
            seconds = _seconds(view.received_at, event.at)
            unit = view.owner_unit or event.unit
            view.samples.append(Sample("resolve", unit, event.at, seconds))
    elif isinstance(event, c.Classified):
        view.classification = event.classification
    elif isinstance(event, c.ReturnVisitRecorded):
        view.satisfaction = event.satisfaction


def _sample_start(view: Complaint, unit: str, at: datetime, *, since: datetime) -> None:
    view.owner_accepted = True
    if not any(x.measure == "start" and x.unit == unit for x in view.samples):
        view.samples.append(Sample("start", unit, at, _seconds(since, at)))


def _clock_event(view: Complaint, event: Event, at: datetime) -> None:
    clock = getattr(event, "clock", None)
    owner = getattr(event, "owner_unit", None)
    if not isinstance(clock, str) or not isinstance(owner, str):
        return
    if isinstance(event, s.ClockStarted):
        latest = view.latest_run(clock)
        number = (latest.run + 1) if latest else 1
        view.runs.append(ClockRun(clock, number, owner, event.started_at, event.due_at))
        return
    run = view.latest_run(clock)
    if run is None:  # its start never reached us: keep what this event tells
        run = ClockRun(clock, 1, owner, at, getattr(event, "due_at", None))
        view.runs.append(run)
    if isinstance(event, s.ClockPaused):
        run.state, run.due_at = "paused", event.due_at
    elif isinstance(event, s.ClockResumed):
        run.state, run.due_at = "running", event.due_at
    elif isinstance(event, s.SlaBreached):
        run.breached, run.due_at = True, event.due_at
    elif isinstance(event, s.ClockStopped):
        run.state, run.stopped_at, run.late = event.outcome, event.stopped_at, event.late
    elif event.NAME == "sla.clock_rescheduled":  # due time moved by a policy/calendar change
        run.due_at = getattr(event, "due_at", run.due_at)


def _involve(view: Complaint, *units: str) -> None:
    view.units_involved = list(dict.fromkeys([*view.units_involved, *units]))


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))
