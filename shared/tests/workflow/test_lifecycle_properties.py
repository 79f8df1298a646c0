"""The lifecycle fold over generated histories (docs/workflow.md "Statuses").

A history is a complaint received at YN-KM-01, then a random mix of
- unit actions by random units (sometimes acting for a unit below them) with random data, of
  which only those `authority.decide` accepts are recorded, as intake would;
- routing events: the first assignment, the same owner assigned again, transfers
  (`complaint.transferred` then `complaint.assigned` with `previous_owner`), escalations and
  reports;
- SLA clocks started and stopped.
After every event the fold must give one status of the workflow, reached along an edge of the
state diagram, and the owner of the last assignment; stays and the JSON form must hold.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import event as observe
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints_shared.contracts.complaint_events import (
    UNIT_ACTIONS,
    ComplaintReceived,
    Customer,
)
from complaints_shared.contracts.routing_events import (
    ComplaintAssigned,
    ComplaintEscalated,
    ComplaintReported,
    ComplaintTransferred,
)
from complaints_shared.contracts.sla_events import ClockStarted, ClockStopped
from complaints_shared.organisation import load_organisation
from complaints_shared.workflow import authority, lifecycle

DEMO = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "organisation.yaml"
ORG = load_organisation(DEMO)
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8)))
RECEIVING = "YN-KM-01"

ACTORS = (
    "YN-KM-01", "YN-KM-02", "YN-KM-CARDS", "YN-KM-LOANS", "YN-KM", "YN-KM-SUP", "YN", "YN-SUP",
    "YN-CS", "YN-CARDS", "YN-DL", "HQ", "HQ-QSG", "GD-GZ",
)  # fmt: skip
# Besides named units, an action may be taken by whoever owns the complaint at that moment, the
# unit above it, or the receiving unit: named at random, they would rarely be allowed.
RELATIVE = ("<owner>", "<above owner>", "<receiving>")
OWNERS = ("YN-KM-01", "YN-KM-CARDS", "YN-KM", "YN-CARDS", "YN-SUP", "YN-CS", "HQ-QSG")
CLOCKS = ("transfer", "start", "resolve", "committed", "customer", "return_visit")
# Actions with an event in the contract (see test_authority_table for the one without).
RECORDABLE = tuple(a for a in authority.ACTIONS if a in UNIT_ACTIONS)

# The state diagram: every edge a single event may take (staying put is always allowed).
EDGES = {
    ("received", "assigned"),  # routed to its first owner
    ("assigned", "in_progress"),  # signed for
    ("in_progress", "waiting_on_customer"),
    ("waiting_on_customer", "in_progress"),
    ("in_progress", "resolved"),
    ("waiting_on_customer", "resolved"),
    ("resolved", "closed"),
    ("assigned", "assigned"),  # transferred again before anyone signed for it
    ("in_progress", "assigned"),  # transferred
    ("waiting_on_customer", "assigned"),  # transferred
    ("resolved", "in_progress"),  # reopened
    ("closed", "in_progress"),  # reopened
}
STATUS_AFTER = {
    "accepted": "in_progress",
    "waiting_on_customer": "waiting_on_customer",
    "customer_responded": "in_progress",
    "resolved": "resolved",
    "reopened": "in_progress",
    "closed": "closed",
}


def at(step: int) -> datetime:
    return T0 + timedelta(minutes=7 * step)


def received(restricted: bool) -> ComplaintReceived:
    return ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit=RECEIVING,
        business_line="cards",
        severity="major" if restricted else "normal",
        flags=("major_liability",) if restricted else (),
        received_at=T0,
        customer=Customer(name="Test Customer", phone="13800000000"),
        summary="card swallowed by the machine",
        posted_by=RECEIVING,
    )


def assigned(owner: str, previous: str | None) -> ComplaintAssigned:
    return ComplaintAssigned(
        owner_unit=owner,
        handling_level="branch",
        rule="test",
        reason="test",
        previous_owner=previous,
    )


def action_data(action: str, step: int, classification: str, satisfaction: int) -> dict:
    return {
        "transfer_requested": {"reason": "beyond_authority"},
        "deadline_committed": {"committed_deadline": at(step) + timedelta(days=2)},
        "classified": {"classification": classification},
        "resolved": {"reply": "done"},
        "return_visit_recorded": {"satisfaction": satisfaction},
        "note": {"text": "a note"},
        "plan_decided": {"plan": "refund the fee"},
        "extension_requested": {"until": at(step) + timedelta(days=5), "reason": "waiting for"},
        "handler_changed": {"handler": {"id": f"h{step}", "name": "Wang"}},
    }.get(action, {})


def clock_started(clock: str, owner: str, step: int) -> ClockStarted:
    fields = {
        "clock": clock,
        "owner_unit": owner,
        "started_at": at(step),
        "due_at": at(step) + timedelta(hours=2),
        "budget_seconds": 7200,
        "calendar": "cn",
    }
    return ClockStarted(**fields)


def clock_stopped(clock: str, owner: str, step: int) -> ClockStopped:
    fields = {"clock": clock, "owner_unit": owner, "outcome": "met", "stopped_at": at(step)}
    return ClockStopped(**fields)


ALLOWED_NOW = "<an action the status allows>"  # picked by the integer that follows
act = st.tuples(
    st.just("act"),
    st.sampled_from((*RECORDABLE, *(ALLOWED_NOW,) * 12)),
    st.integers(0, 15),
    st.sampled_from((*ACTORS, *RELATIVE * 4)),
    st.booleans(),  # the unit's parent acts on its behalf
    st.sampled_from(("valid", "special")),
    st.integers(1, 5),
)
# Unit actions drive the status, so most steps are one; sampled_from weighs by repetition.
STEP_KINDS = (
    *("act",) * 16,
    *("route", "repeat", "transfer", "escalate", "report", "clock_start", "clock_stop"),
)
OTHER_STEPS = {
    "route": st.tuples(st.just("route"), st.sampled_from(OWNERS)),
    "repeat": st.tuples(st.just("repeat")),
    "transfer": st.tuples(st.just("transfer"), st.sampled_from(OWNERS)),
    "escalate": st.tuples(st.just("escalate"), st.sampled_from(OWNERS)),
    "report": st.tuples(st.just("report"), st.sampled_from(OWNERS)),
    "clock_start": st.tuples(
        st.just("clock_start"), st.sampled_from(CLOCKS), st.sampled_from(OWNERS)
    ),
    "clock_stop": st.tuples(st.just("clock_stop"), st.sampled_from(CLOCKS)),
}
step_strategy = st.sampled_from(STEP_KINDS).flatmap(
    lambda kind: act if kind == "act" else OTHER_STEPS[kind]
)


def resolve_actor(actor: str, state: lifecycle.ComplaintState) -> str:
    owner = state.owner_unit or RECEIVING
    if actor == "<owner>":
        return owner
    if actor == "<above owner>":
        return ORG.unit(owner).parent or owner
    if actor == "<receiving>":
        return RECEIVING
    return actor


def events_of(step_no: int, step: tuple, state: lifecycle.ComplaintState) -> list:
    """The events one generated step records (none when decide refuses the action)."""
    kind, *args = step
    owner = state.owner_unit
    if kind == "act":
        action, pick, actor, on_behalf, classification, satisfaction = args
        if action == ALLOWED_NOW:
            allowed = [a for a in authority.allowed_actions(state.status) if a in RECORDABLE]
            action = allowed[pick % len(allowed)]
        unit = resolve_actor(actor, state)
        parent = ORG.unit(unit).parent
        caller = parent if on_behalf and parent else unit
        data = action_data(action, step_no, classification, satisfaction)
        if action == "extension_decided":
            pending = state.pending_extension
            request = pending.request_id if pending else "no-such-request"
            data = {"request_id": request, "decision": "approved", "reason": "fine"}
        if authority.decide(ORG, state, caller=caller, unit=unit, action=action, data=data):
            return []
        cls = UNIT_ACTIONS[action]
        return [cls(unit=unit, at=at(step_no), posted_by=caller, **data)]
    if kind == "route":
        return [assigned(owner or args[0], None)]  # the first routing, or the same owner again
    if kind == "repeat":
        return [assigned(owner, None)] if owner else []
    if kind == "transfer":
        if owner is None:
            return []
        target = args[0]
        moved = ComplaintTransferred(from_unit=owner, to_unit=target, reason="r", rule="test")
        return [moved, assigned(target, owner)] if target != owner else [assigned(owner, owner)]
    if kind == "escalate":
        source = owner or RECEIVING
        return [ComplaintEscalated(from_unit=source, to_unit=args[0], clock="resolve", reason="")]
    if kind == "report":
        return [ComplaintReported(to_unit=args[0], by_unit=owner or RECEIVING, reason="")]
    if kind == "clock_start":
        return [clock_started(args[0], args[1], step_no)]
    if kind == "clock_stop":
        return [clock_stopped(args[0], owner or RECEIVING, step_no)]
    raise AssertionError(kind)


def expected_status(before: lifecycle.ComplaintState, event) -> str:
    """The status after `event`, from the rules: actions move it as the diagram says; a first
    owner, or a hand-off to another owner of an open complaint, makes it `assigned`."""
    name = event.NAME.removeprefix("complaint.")
    if name in STATUS_AFTER and hasattr(event, "unit"):
        return STATUS_AFTER[name]
    if name == "assigned" and event.owner_unit != before.owner_unit:
        if before.status == "received":
            return "assigned"
        if event.previous_owner is not None and before.status not in ("resolved", "closed"):
            return "assigned"
    return before.status


def collapse(units: list[str]) -> list[str]:
    return [u for i, u in enumerate(units) if i == 0 or units[i - 1] != u]


@settings(max_examples=200, deadline=None)
@given(
    restricted=st.booleans(),
    first_owner=st.one_of(st.none(), st.sampled_from(OWNERS), st.sampled_from(OWNERS)),
    steps=st.lists(step_strategy, min_size=20, max_size=60),
)
def test_the_fold_stays_on_the_state_diagram(
    restricted: bool, first_owner: str | None, steps: list[tuple]
) -> None:
    if first_owner is not None:  # routing usually assigns before anything else happens
        steps = [("route", first_owner), *steps]
    state = lifecycle.apply(lifecycle.ComplaintState(), received(restricted), T0)
    assert state.status == "received" and state.owner_unit is None
    assignments: list[str] = []
    must_involve = {RECEIVING}
    for step_no, step in enumerate(steps, start=1):
        for event in events_of(step_no, step, state):
            before = state
            state = lifecycle.apply(state, event, at(step_no), event_id=f"e{step_no}")

            assert state.status in lifecycle.STATUSES
            if state.status != before.status:
                assert (before.status, state.status) in EDGES, event
            assert state.status == expected_status(before, event), event

            if isinstance(event, ComplaintAssigned):
                assignments.append(event.owner_unit)
            for attribute in ("owner_unit", "to_unit"):
                if isinstance(getattr(event, attribute, None), str):
                    must_involve.add(getattr(event, attribute))
            # One owner: the one of the last assignment, and the last stay is with it.
            assert state.owner_unit == (assignments[-1] if assignments else None)
            if state.owner_unit is not None:
                assert state.owners[-1][0] == state.owner_unit
            assert must_involve <= set(state.involved)
            assert state.restricted is restricted

            assert lifecycle.from_json(json.loads(json.dumps(lifecycle.to_json(state)))) == state
            if state.status != before.status:
                observe(f"edge {before.status} -> {state.status}")
    observe(f"final status {state.status}")

    stays = lifecycle.stays(state, at(len(steps) + 1))
    assert [s.unit for s in stays] == collapse(assignments)
    assert all(s.seconds >= 0 for s in stays)
    for this, following in zip(stays, stays[1:], strict=False):
        assert this.until == following.since
    if stays:
        assert stays[-1].until == state.ended_at


def test_the_same_owner_twice_is_one_stay() -> None:
    state = lifecycle.apply(lifecycle.ComplaintState(), received(False), T0)
    for step, (owner, previous) in enumerate(
        [("YN-KM-01", None), ("YN-KM-01", None), ("YN-KM", "YN-KM-01")], start=1
    ):
        state = lifecycle.apply(state, assigned(owner, previous), at(step))
    stays = lifecycle.stays(state, at(10))
    assert [(s.unit, s.since, s.until) for s in stays] == [
        ("YN-KM-01", at(1), at(3)),
        ("YN-KM", at(3), None),
    ]
    assert stays[0].seconds == int((at(3) - at(1)).total_seconds())


@pytest.mark.parametrize("reopen_from", ["resolved", "closed"])
def test_reopening_takes_it_back_to_in_progress(reopen_from: str) -> None:
    state = lifecycle.apply(lifecycle.ComplaintState(), received(False), T0)
    events = [
        assigned("YN-KM-01", None),
        UNIT_ACTIONS["accepted"](unit="YN-KM-01", at=at(2), posted_by="YN-KM-01"),
        UNIT_ACTIONS["resolved"](unit="YN-KM-01", at=at(3), posted_by="YN-KM-01", reply="ok"),
    ]
    if reopen_from == "closed":
        events.append(UNIT_ACTIONS["closed"](unit="YN-KM-01", at=at(4), posted_by="YN-KM-01"))
    events.append(UNIT_ACTIONS["reopened"](unit="YN-SUP", at=at(5), posted_by="YN-SUP"))
    for step, event in enumerate(events, start=1):
        state = lifecycle.apply(state, event, at(step))
    assert state.status == "in_progress"
    assert state.ended_at is None
    assert lifecycle.stays(state, at(9))[-1].until is None
