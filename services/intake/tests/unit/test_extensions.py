"""Pending extension requests on the worklist: the deciders the projection keeps on the view
agree with the shared authority rules, and `awaiting=` lists the request for them until it is
decided or cancelled."""

from __future__ import annotations

import pytest

from complaints_shared.workflow.authority import decide
from complaints_shared.workflow.lifecycle import ComplaintState, apply
from complaints_shared.workflow.visibility import sight_of
from intake.adapters.worklist import WorklistFilter
from intake.domain.extensions import extension_deciders
from intake.service_layer.submissions import SOURCE

from .events import ORG, T0, action, assigned, at, received, started, transferred
from .test_queries import World

OPEN_ALL = ("assigned", "in_progress", "waiting_on_customer")


def pending_with(owner: str, *, restricted: bool = False) -> ComplaintState:
    flags = ("major_liability",) if restricted else ()
    state = apply(ComplaintState(), received("YN-KM-01", flags=flags), T0)
    state = apply(state, assigned(owner), at(1))
    state = apply(state, action("accepted", owner, at(2)), at(2))
    request = action("extension_requested", owner, at(3), until=at(5000), reason="parts")
    return apply(state, request, at(3), event_id="r1")


@pytest.mark.parametrize("owner", ["YN-KM-01", "YN-KM", "YN-CARDS"])
@pytest.mark.parametrize("restricted", [False, True])
def test_the_deciders_are_exactly_the_units_the_rules_let_decide(owner, restricted):
    state = pending_with(owner, restricted=restricted)
    body = {"request_id": "r1", "decision": "approved", "reason": "ok", "at": at(4)}
    allowed = [
        unit
        for unit in ORG.units
        if decide(
            ORG,
            state,
            caller=unit,
            unit=unit,
            action="extension_decided",
            data={**body, "unit": unit},
        )
        is None
    ]
    assert extension_deciders(ORG, state) == sorted(allowed)
    assert allowed  # the unit above the owner at least


def test_no_deciders_without_a_pending_request():
    state = pending_with("YN-KM-01")
    decided = action(
        "extension_decided", "YN-KM", at(4), request_id="r1", decision="refused", reason="no"
    )
    assert extension_deciders(ORG, apply(state, decided, at(4))) == []
    assert extension_deciders(ORG, ComplaintState()) == []


@pytest.fixture
def world() -> World:
    return World()


async def awaiting(world: World, unit: str) -> list[str]:
    items, _ = await world.queries.worklist(
        sight_of(ORG, "HQ"), WorklistFilter(OPEN_ALL, awaiting=unit), None, 50
    )
    return [item["complaint_id"] for item in items]


async def test_the_worklist_lists_a_request_for_its_deciders_until_decided(world):
    await world.complaint("C1", "YN-KM-01")
    await world.feed("C1", started("resolve", "YN-KM-01", at(1), at(600)), 1, "/sla-monitor")
    await world.feed("C1", action("accepted", "YN-KM-01", at(2)), 2, SOURCE)
    assert await awaiting(world, "YN-KM") == [] and await awaiting(world, "YN-KM-01") == ["C1"]
    request = action("extension_requested", "YN-KM-01", at(3), until=at(900), reason="parts")
    await world.feed("C1", request, 3, SOURCE)
    request_id = world.views.timeline[-1]["event_id"]
    assert world.views.views["C1"]["extension_deciders"] == ["YN-KM", "YN-SUP"]
    assert await awaiting(world, "YN-KM") == ["C1"] and await awaiting(world, "YN-SUP") == ["C1"]
    assert await awaiting(world, "YN") == []
    decided = action(
        "extension_decided",
        "YN-SUP",
        at(4),
        request_id=request_id,
        decision="approved",
        reason="ok",
    )
    await world.feed("C1", decided, 4, SOURCE)
    assert world.views.views["C1"]["extension_deciders"] == []
    assert await awaiting(world, "YN-SUP") == []


async def test_a_hand_off_cancels_the_request_and_its_listing(world):
    await world.complaint("C1", "YN-KM-01")
    await world.feed("C1", action("accepted", "YN-KM-01", at(2)), 2, SOURCE)
    request = action("extension_requested", "YN-KM-01", at(3), until=at(900), reason="parts")
    await world.feed("C1", request, 3, SOURCE)
    assert await awaiting(world, "YN-KM") == ["C1"]
    await world.feed("C1", transferred("YN-KM-01", "YN-KM"), 10)
    await world.feed("C1", assigned("YN-KM", previous_owner="YN-KM-01"), 10)
    assert await awaiting(world, "YN-KM") == [] and await awaiting(world, "YN-SUP") == []


async def test_the_form_shows_a_request_a_hand_off_cancelled(world):
    await world.complaint("C1", "YN-KM-01")
    await world.feed("C1", action("accepted", "YN-KM-01", at(2)), 2, SOURCE)
    request = action("extension_requested", "YN-KM-01", at(3), until=at(900), reason="parts")
    await world.feed("C1", request, 3, SOURCE, event_id="r1")
    await world.feed("C1", assigned("YN-KM", previous_owner="YN-KM-01"), 10)
    form = await world.queries.form("YN-KM", "C1", at(20))
    [extension] = form["extensions"]
    assert (extension["request_id"], extension["unit"], extension["reason"]) == (
        "r1",
        "YN-KM-01",
        "parts",
    )
    assert extension["decision"] is None and extension["cancelled"]["by"] == "handoff"
    assert extension["cancelled"]["at"] == at(10) and extension["until"].utcoffset() is not None
