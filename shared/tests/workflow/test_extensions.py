"""Deadline extensions: one pending at a time, asked before the resolve deadline, decided by the
province's supervision line or the unit above the owner (never the owner), cancelled by a
hand-off or the reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaints_shared.contracts.complaint_events import UNIT_ACTIONS, ComplaintReceived, Customer
from complaints_shared.contracts.routing_events import ComplaintAssigned
from complaints_shared.contracts.sla_events import ClockStarted
from complaints_shared.organisation import load_organisation
from complaints_shared.workflow import authority, lifecycle

ORG = load_organisation(Path(__file__).parents[3] / "deploy" / "demo" / "organisation.yaml")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OWNER = "YN-KM-01"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def assigned(owner: str, previous: str | None = None) -> ComplaintAssigned:
    return ComplaintAssigned(
        owner_unit=owner, handling_level="branch", rule="t", reason="t", previous_owner=previous
    )


def in_progress() -> lifecycle.ComplaintState:
    received = ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit=OWNER,
        business_line="cards",
        received_at=T0,
        customer=Customer(name="张三", phone="13800000000"),
        summary="card swallowed",
        posted_by=OWNER,
    )
    state = lifecycle.apply(lifecycle.ComplaintState(), received, T0)
    state = lifecycle.apply(state, assigned(OWNER), at(1))
    resolve = ClockStarted(
        clock="resolve",
        owner_unit=OWNER,
        started_at=at(1),
        due_at=at(60 * 24),
        budget_seconds=7 * 3600,
        calendar="cn",
    )
    state = lifecycle.apply(state, resolve, at(1))
    accepted = UNIT_ACTIONS["accepted"](unit=OWNER, at=at(2), posted_by=OWNER)
    return lifecycle.apply(state, accepted, at(2))


def request(state, minutes: int = 10, request_id: str = "req-1"):
    data = {"until": at(60 * 72).isoformat(), "reason": "the bank must reply", "at": at(minutes)}
    refused = authority.decide(
        ORG, state, caller=OWNER, unit=OWNER, action="extension_requested", data=data
    )
    event = UNIT_ACTIONS["extension_requested"](
        unit=OWNER, at=at(minutes), posted_by=OWNER, until=at(60 * 72), reason="the bank"
    )
    return refused, lifecycle.apply(state, event, at(minutes), event_id=request_id)


def decide(state, unit: str, request_id: str = "req-1", decision: str = "approved"):
    data = {"request_id": request_id, "decision": decision, "reason": "ok"}
    return authority.decide(
        ORG, state, caller=unit, unit=unit, action="extension_decided", data=data
    )


def decided(state, unit: str, request_id: str = "req-1", decision: str = "approved"):
    event = UNIT_ACTIONS["extension_decided"](
        unit=unit, at=at(30), posted_by=unit, request_id=request_id, decision=decision, reason="ok"
    )
    return lifecycle.apply(state, event, at(30))


def test_the_owner_asks_and_the_state_remembers_the_request():
    refused, state = request(in_progress())
    assert refused is None
    assert state.pending_extension is not None
    assert state.pending_extension.request_id == "req-1"
    assert lifecycle.from_json(lifecycle.to_json(state)) == state


def test_one_request_pending_at_a_time():
    _, state = request(in_progress())
    refused, _ = request(state, minutes=20, request_id="req-2")
    assert refused is not None and refused.status == 409


def test_asked_at_or_after_the_resolve_deadline_is_a_conflict():
    refused, _ = request(in_progress(), minutes=60 * 24)
    assert refused is not None and refused.status == 409


@pytest.mark.parametrize(
    ("unit", "status"),
    [
        ("YN-SUP", None),  # the supervision line of the owner's province
        ("YN-KM", None),  # the unit directly above the owner
        (OWNER, 403),  # never the owner itself
        ("YN", 403),  # the province company is above, but neither of the two
        ("YN-CS", 403),
        ("YN-DL", 404),  # does not see the complaint
    ],
)
def test_who_decides(unit: str, status: int | None):
    _, state = request(in_progress())
    refused = decide(state, unit)
    assert (refused.status if refused else None) == status


def test_an_unknown_request_is_not_found_and_a_decided_one_a_conflict():
    _, state = request(in_progress())
    unknown = decide(state, "YN-SUP", request_id="nope")
    assert unknown is not None and unknown.status == 404
    state = decided(state, "YN-SUP")
    assert state.pending_extension is None and state.extensions_approved == 1
    again = decide(state, "YN-KM")
    assert again is not None and again.status == 409


def test_a_refusal_is_not_counted():
    _, state = request(in_progress())
    state = decided(state, "YN-KM", decision="refused")
    assert state.extensions_approved == 0 and state.closed_extensions == ("req-1",)


def test_a_transfer_cancels_a_pending_request():
    _, state = request(in_progress())
    state = lifecycle.apply(state, assigned("YN-KM", previous=OWNER), at(40))
    assert state.pending_extension is None
    refused = decide(state, "YN")  # the unit above the new owner
    assert refused is not None and refused.status == 409
