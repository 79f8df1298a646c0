"""One rule per input type: which clocks an event starts, pauses, resumes, meets or cancels.

Each rule gets the event time already in UTC and returns the new state and its effects.
`clocks.decide` documents the rules as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .clock_effects import CLOCK_ORDER, ROUND_THE_CLOCK, ClockEffect, ClockName
from .clock_inputs import (
    Acceptance,
    Arrival,
    Assignment,
    Closing,
    CustomerReply,
    CustomerWait,
    DeadlinePromise,
    ExtensionDecision,
    ExtensionRequest,
    PlanDecision,
    Reopening,
    Resolution,
    ReturnVisit,
    Transfer,
)
from .clock_state import Calendars, ComplaintClocks, RequestedExtension, calendar_of
from .clock_timers import extend_clock, pause_clock, resume_clock, start_clock, stop_clock
from .policy import ClockPolicy
from .return_visits import standing_grounds

OWNER_CLOCKS: tuple[ClockName, ...] = ("transfer", "start", "investigate", "resolve", "committed")
ALL_CLOCKS = CLOCK_ORDER
# The business lines whose owners get the `investigate` clock: the delivery units'.
INVESTIGATED_LINES = frozenset({"logistics"})
# What a resolution meets: every clock but the return visit, which it may start, and the
# investigation, which only a plan meets (a reply without one cancels it).
RESOLVED_CLOCKS: tuple[ClockName, ...] = tuple(
    c for c in CLOCK_ORDER if c not in ("return_visit", "investigate")
)
Outcome = tuple[ComplaintClocks, list[ClockEffect]]
Rule = Callable[[ComplaintClocks, Any, datetime, ClockPolicy, Calendars], Outcome]


def _stop(
    state: ComplaintClocks,
    names: tuple[ClockName, ...],
    outcome: Literal["met", "cancelled"],
    at: datetime,
    calendars: Calendars,
) -> Outcome:
    """Stop those of `names` that are running or paused."""
    effects: list[ClockEffect] = []
    for name in names:
        clock = state.clock(name)
        if clock is not None and clock.active:
            stopped, effect = stop_clock(clock, outcome, at, calendars)
            state = state.with_clock(stopped)
            effects.append(effect)
    return state, effects


def _start_resolve(
    state: ComplaintClocks, at: datetime, policy: ClockPolicy, calendars: Calendars
) -> Outcome:
    """The owner's `resolve` clock: working days by handling level on the owner's calendar."""
    assert state.owner is not None and state.level is not None
    budget = policy.resolve_budget(calendar_of(state.owner, calendars), state.level)
    state, started = start_clock(
        state,
        "resolve",
        owner=state.owner,
        calendar=state.owner,
        budget=budget,
        at=at,
        policy=policy,
        calendars=calendars,
        level=state.level,
    )
    return state, [started]


def _drop_requests(state: ComplaintClocks, *request_ids: str) -> ComplaintClocks:
    """Without the pending extension requests `request_ids` (all of them if none named)."""
    if not state.extension_requests:
        return state
    if not request_ids:
        return replace(state, extension_requests=())
    kept = tuple(r for r in state.extension_requests if r.request_id not in request_ids)
    return replace(state, extension_requests=kept)


def return_visit_grounds(state: ComplaintClocks) -> tuple[str, ...]:
    """Why a resolution now would start a return visit (none: it would not)."""
    return state.visit_grounds + (("reopened",) if state.reopened else ())


def _start_return_visit(
    state: ComplaintClocks, at: datetime, policy: ClockPolicy, calendars: Calendars
) -> Outcome:
    """The return visit owed after a resolution, if the complaint gets one: working days on
    the calendar of its owner (the receiving province's supervision line)."""
    owner = state.visit_owner
    running = state.clock("return_visit")
    if owner is None or not return_visit_grounds(state) or (running is not None and running.active):
        return state, []
    state, started = start_clock(
        state,
        "return_visit",
        owner=owner,
        calendar=owner,
        budget=policy.return_visit_budget(calendar_of(owner, calendars)),
        at=at,
        policy=policy,
        calendars=calendars,
    )
    return state, [started]


def received(
    state: ComplaintClocks, event: Arrival, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    if state.received_at is not None:  # delivered twice
        return state, []
    unit = event.receiving_unit
    grounds = standing_grounds(
        complaint_id=event.complaint_id,
        major=event.major,
        key_customer=event.key_customer,
        prior_complaints=event.prior_complaints,
        sample_percent=policy.return_visit_sample_percent,
    )
    state = replace(
        state,
        kind=event.kind,
        business_line=event.business_line,
        receiving_unit=unit,
        received_at=at,
        visit_owner=event.visit_owner,
        visit_grounds=grounds,
    )
    effects: list[ClockEffect] = []
    starts: list[tuple[ClockName, str, timedelta]] = []
    if event.kind == "inquiry":
        starts.append(
            ("inquiry_reply", ROUND_THE_CLOCK, policy.round_the_clock("inquiry_reply", None))
        )
    starts.append(("customer", unit, policy.customer_budget(calendar_of(unit, cal))))
    for name, calendar, budget in starts:
        state, started = start_clock(
            state,
            name,
            owner=unit,
            calendar=calendar,
            budget=budget,
            at=at,
            policy=policy,
            calendars=cal,
        )
        effects.append(started)
    return state, effects


def assigned(
    state: ComplaintClocks, event: Assignment, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    if (state.owner, state.level, state.assigned_at) == (
        event.owner_unit,
        event.handling_level,
        at,
    ):
        return state, []  # delivered twice
    policy.days_for(event.handling_level)  # refuse an unknown level before changing anything
    if event.owner_unit != state.owner:
        state = _drop_requests(state)  # a hand-off cancels a pending extension request
    state, effects = _stop(state, OWNER_CLOCKS, "cancelled", at, cal)
    owner, level = event.owner_unit, event.handling_level
    state = replace(state, owner=owner, level=level, assigned_at=at)
    round_the_clock: tuple[ClockName, ...] = ("transfer", "start")
    if state.business_line in INVESTIGATED_LINES:
        round_the_clock += ("investigate",)
    for name in round_the_clock:
        state, started = start_clock(
            state,
            name,
            owner=owner,
            calendar=ROUND_THE_CLOCK,
            budget=policy.round_the_clock(name, level),
            at=at,
            policy=policy,
            calendars=cal,
            level=level,
        )
        effects.append(started)
    state, started_resolve = _start_resolve(state, at, policy, cal)
    return state, effects + started_resolve


def transferred(
    state: ComplaintClocks, event: Transfer, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    if event.from_unit != state.owner:
        return state, []  # not the current owner's hand-off (or already superseded)
    state = _drop_requests(state)  # a hand-off cancels a pending extension request
    state, met = _stop(state, ("transfer",), "met", at, cal)
    state, cancelled = _stop(state, OWNER_CLOCKS, "cancelled", at, cal)
    return state, met + cancelled


def accepted(
    state: ComplaintClocks, event: Acceptance, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    if event.unit != state.owner:
        return state, []
    return _stop(state, ("transfer", "start"), "met", at, cal)


def waiting_on_customer(
    state: ComplaintClocks,
    event: CustomerWait,
    at: datetime,
    policy: ClockPolicy,
    cal: Calendars,
) -> Outcome:
    effects: list[ClockEffect] = []
    for clock in list(state.clocks.values()):
        # A breached clock is not paused: waiting now does not undo the missed deadline.
        if clock.name in policy.pausable and clock.status == "running" and not clock.breached:
            paused, effect = pause_clock(clock, at, cal)
            state = state.with_clock(paused)
            effects.append(effect)
    return state, effects


def customer_responded(
    state: ComplaintClocks,
    event: CustomerReply,
    at: datetime,
    policy: ClockPolicy,
    cal: Calendars,
) -> Outcome:
    effects: list[ClockEffect] = []
    for clock in list(state.clocks.values()):
        if clock.status == "paused":
            running, effect = resume_clock(clock, at, policy, cal)
            state = state.with_clock(running)
            effects.append(effect)
    return state, effects


def _promise(
    state: ComplaintClocks, deadline: datetime, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    """The `committed` clock (24x7) up to the instant promised to the customer, replacing an
    earlier promise; a deadline already past is due at once."""
    owner = state.owner or state.receiving_unit
    if owner is None:
        return state, []  # nobody to hold to it yet
    state, effects = _stop(state, ("committed",), "cancelled", at, cal)  # a new promise
    budget = max(deadline - at, timedelta(0))
    state, started = start_clock(
        state,
        "committed",
        owner=owner,
        calendar=ROUND_THE_CLOCK,
        budget=budget,
        at=at,
        policy=policy,
        calendars=cal,
        level=state.level,
    )
    return state, [*effects, started]


def deadline_committed(
    state: ComplaintClocks,
    event: DeadlinePromise,
    at: datetime,
    policy: ClockPolicy,
    cal: Calendars,
) -> Outcome:
    return _promise(state, event.committed_deadline, at, policy, cal)


def plan_decided(
    state: ComplaintClocks, event: PlanDecision, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    """The plan meets the owner's `investigate` clock (`late` if it had breached); a plan that
    promises a date (`promised_by`) also commits to it, as `deadline_committed` does."""
    state, met = _stop(state, ("investigate",), "met", at, cal)
    if event.promised_by is None:
        return state, met
    state, promised = _promise(state, event.promised_by, at, policy, cal)
    return state, met + promised


def extension_requested(
    state: ComplaintClocks,
    event: ExtensionRequest,
    at: datetime,
    policy: ClockPolicy,
    cal: Calendars,
) -> Outcome:
    """Remember what the request asks for, by its id, until it is decided or cancelled."""
    if state.extension_request(event.request_id) is not None:
        return state, []  # delivered twice
    request = RequestedExtension(event.request_id, event.until.astimezone(UTC), state.owner)
    return replace(state, extension_requests=(*state.extension_requests, request)), []


def extension_decided(
    state: ComplaintClocks,
    event: ExtensionDecision,
    at: datetime,
    policy: ClockPolicy,
    cal: Calendars,
) -> Outcome:
    """An approval moves the requesting owner's `resolve` clock to the `until` asked for (only
    ever later); a refusal, or a request not pending (unknown, decided, cancelled), changes
    nothing."""
    request = state.extension_request(event.request_id)
    if request is None:
        return state, []
    state = _drop_requests(state, request.request_id)
    resolve = state.clock("resolve")
    if (
        not event.approved
        or resolve is None
        or not resolve.active
        or request.owner is None
        or request.owner != state.owner
        or resolve.owner != request.owner
    ):
        return state, []
    extended, moved = extend_clock(
        resolve,
        request.until,
        at,
        reason=f"deadline extension {request.request_id} approved",
        key=request.request_id,
        policy=policy,
        calendars=cal,
    )
    return state.with_clock(extended), [moved] if moved is not None else []


def resolved(
    state: ComplaintClocks, event: Resolution, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    state = _drop_requests(state)  # replied: no more time is needed
    state, met = _stop(state, RESOLVED_CLOCKS, "met", at, cal)
    state, cancelled = _stop(state, ("investigate",), "cancelled", at, cal)  # no plan came
    state, started = _start_return_visit(state, at, policy, cal)
    return state, met + cancelled + started


def return_visit_recorded(
    state: ComplaintClocks, event: ReturnVisit, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    return _stop(state, ("return_visit",), "met", at, cal)


def reopened(
    state: ComplaintClocks, event: Reopening, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    state = replace(state, closed=False, reopened=True)
    # Handled again: the visit waits for the next resolution (a reopened complaint gets one).
    state, effects = _stop(state, ("return_visit",), "cancelled", at, cal)
    if state.owner is None or state.level is None:
        return state, effects
    state, cancelled = _stop(state, ("resolve",), "cancelled", at, cal)
    state, started = _start_resolve(state, at, policy, cal)
    return state, effects + cancelled + started


def closed(
    state: ComplaintClocks, event: Closing, at: datetime, policy: ClockPolicy, cal: Calendars
) -> Outcome:
    state, effects = _stop(_drop_requests(state), ALL_CLOCKS, "cancelled", at, cal)
    return replace(state, closed=True), effects


RULES: dict[type, Rule] = {
    Arrival: received,
    Assignment: assigned,
    Transfer: transferred,
    Acceptance: accepted,
    CustomerWait: waiting_on_customer,
    CustomerReply: customer_responded,
    DeadlinePromise: deadline_committed,
    PlanDecision: plan_decided,
    ExtensionRequest: extension_requested,
    ExtensionDecision: extension_decided,
    Resolution: resolved,
    Reopening: reopened,
    ReturnVisit: return_visit_recorded,
    Closing: closed,
}
