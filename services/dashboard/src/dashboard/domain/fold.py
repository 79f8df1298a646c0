"""The fold of the log into one complaint's dashboard facts: `complaint = apply(complaint, …)`.

Every event first goes through the shared lifecycle fold (`complaints_shared.workflow`,
docs/workflow.md), which alone decides the status, the owner, the units involved and whether
the case is restricted; this module adds the dashboard's own figures: the customer (masked,
with whether it is a key customer and how many complaints it made before), clock runs, the
measured durations, the return visits and the extension requests (and which clock runs an
approved extension moved).

Event time drives everything (docs/architecture.md#event-time-drives-the-business): `at` is
the envelope's time (when it happened in the business).
Only the event contracts are relied on; clock names are data, so clocks the SLA monitor adds
later show up without a change here.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import personal_data_events as p
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.workflow import lifecycle

from .model import ClockRun, Complaint, ExtensionRequest, Sample

EXTENDED_CLOCK = "resolve"  # the clock an approved extension moves


def apply(
    complaint: Complaint, event: Event, at: datetime, event_id: str | None = None
) -> Complaint:
    """The complaint after `event` (a copy; the argument is left alone). `event_id` is the
    event's id: an extension request is known by it."""
    view = deepcopy(complaint)
    view.last_event_at = max(filter(None, (view.last_event_at, at)))
    before = view.state
    view.state = lifecycle.apply(before, event, at, event_id=event_id)
    _extensions(view, before, event, at)
    if isinstance(event, c.ComplaintReceived):
        _received(view, event)
    elif isinstance(event, p.PersonalDataErased):
        view.customer_name = view.customer_phone = None  # the complaint still counts
    elif isinstance(event, r.ComplaintAssigned):
        if view.owner_unit != before.owner_unit:
            _new_owner(view, at)
    elif isinstance(event, c.UnitAction):
        _unit_action(view, event)
    elif event.NAME.startswith("sla."):
        _clock_event(view, event, at)
    return view


def _received(view: Complaint, event: c.ComplaintReceived) -> None:
    view.kind, view.channel, view.severity = event.kind, event.channel, event.severity
    view.category = event.category
    view.received_at = event.received_at
    view.customer_name = event.customer.name  # masked on the log
    view.customer_phone = event.customer.phone
    view.prior_complaints = event.prior_complaints
    view.key_customer = event.customer.key_customer


def _new_owner(view: Complaint, at: datetime) -> None:
    """A new owner holds the complaint since `at`: it has yet to sign for it."""
    view.owner_accepted = False
    early = view.early_acceptance
    if early is not None and early[0] == view.owner_unit:
        # The unit signed for it before the assignment reached the log.
        _sample_start(view, early[0], early[1], since=at)
    view.early_acceptance = None


def _unit_action(view: Complaint, event: c.UnitAction) -> None:
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
        _return_visit(view, event)


def _return_visit(view: Complaint, event: c.ReturnVisitRecorded) -> None:
    """The latest visit (in log order) says whether the customer was reached; the score is
    that of the latest visit that reached the customer (an unreached one has none to give)."""
    view.return_visits += 1
    view.visit_reached, view.visited_at = event.reached, event.at
    if event.reached:
        view.satisfaction = event.satisfaction


def _sample_start(view: Complaint, unit: str, at: datetime, *, since: datetime) -> None:
    view.owner_accepted = True
    if not any(x.measure == "start" and x.unit == unit for x in view.samples):
        view.samples.append(Sample("start", unit, at, _seconds(since, at)))


def _extensions(
    view: Complaint, before: lifecycle.ComplaintState, event: Event, at: datetime
) -> None:
    """Follow the shared fold's pending request: a new one, decided, or cancelled."""
    pending, after = before.pending_extension, view.state.pending_extension
    if pending is not None and (after is None or after.request_id != pending.request_id):
        for request in view.extension_requests:
            if request.request_id == pending.request_id and request.outcome == "pending":
                request.outcome = (
                    event.decision if isinstance(event, c.ExtensionDecided) else "cancelled"
                )
                request.decided_at = at
    if after is not None and (pending is None or pending.request_id != after.request_id):
        view.extension_requests.append(
            ExtensionRequest(after.request_id, after.unit, after.at, after.until)
        )


def _extended(view: Complaint, event: s.ClockRescheduled) -> bool:
    """Whether a rescheduling of the resolve clock answers an approved extension: the oldest
    approved request whose due time has not moved yet takes it (the SLA monitor answers each
    approval once, after it in the log). A policy or calendar change is never one."""
    reason = event.reason.lower()
    if "policy" in reason or "calendar" in reason:
        return False
    for request in view.extension_requests:
        if request.outcome == "approved" and not request.applied:
            request.applied = True
            return True
    return "extension" in reason


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
    elif isinstance(event, s.ClockRescheduled):  # by an extension, a policy or calendar change
        if clock == EXTENDED_CLOCK and _extended(view, event):
            _extend(run, event)
        run.due_at = event.due_at


def _extend(run: ClockRun, event: s.ClockRescheduled) -> None:
    """An approved extension moved the run's due time: judged against the new one from now
    on, a breach of the earlier deadline is lifted when the new one lies beyond it."""
    run.extensions += 1
    if run.original_due_at is None:
        run.original_due_at = event.previous_due_at
    if event.due_at > event.previous_due_at:
        run.breached = False


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))
