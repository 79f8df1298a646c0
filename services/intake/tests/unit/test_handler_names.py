"""Handler names as intake shows them (docs/workflow.md "Handler names"): in clear for the unit
that owned the complaint when the handler acted (or took the action) and the units above it,
masked for every other unit that may see the complaint; the handler's id stays.

Every read that names a handler is checked: the complaint, the worklist, the timeline and the
handling form."""

from __future__ import annotations

import pytest

from complaints_shared.workflow.lifecycle import OPEN
from complaints_shared.workflow.visibility import sight_of
from intake.adapters.worklist import WorklistFilter
from intake.service_layer.submissions import SOURCE

from .events import ORG, action, assigned, at, transferred
from .test_queries import World

ZHANG = {"id": "e1042", "name": "张三"}
LI = {"id": "e2077", "name": "李四"}
CLEAR, MASKED = "张三", "张*"


@pytest.fixture
async def world() -> World:
    """C1: received and owned by the outlet YN-KM-01, signed for by its 张三."""
    world = World()
    await world.complaint("C1")
    await world.feed("C1", action("accepted", "YN-KM-01", at(2), handler=ZHANG), 2, SOURCE)
    return world


async def _everywhere(world: World, caller: str) -> dict[str, object]:
    """The name of 张三 as each read shows it to `caller`."""
    complaint = await world.queries.complaint(caller, "C1")
    items, _ = await world.queries.worklist(
        sight_of(ORG, caller), WorklistFilter(statuses=OPEN), None, 10
    )
    timeline = await world.queries.timeline(caller, "C1", at(10))
    [accepted] = [e for e in timeline["events"] if e["type"] == "complaint.accepted"]
    form = await world.queries.form(caller, "C1", at(10))
    return {
        "complaint": complaint["handler"],
        "worklist": [item["handler"] for item in items],
        "timeline": accepted["data"]["handler"],
        "form": form["units"][0]["signed_by"],
    }


@pytest.mark.parametrize("caller", ["YN-KM-01", "YN-KM", "YN", "HQ"])
async def test_the_owner_and_the_units_above_it_read_the_name(world, caller):
    shown = await _everywhere(world, caller)
    assert shown == {
        "complaint": ZHANG,
        "worklist": [ZHANG],
        "timeline": ZHANG,
        "form": ZHANG,
    }


@pytest.mark.parametrize("caller", ["YN-SUP", "YN-CS"])
async def test_a_unit_that_sees_the_complaint_but_is_not_above_the_owner_reads_it_masked(
    world, caller
):
    masked = {"id": "e1042", "name": MASKED}
    shown = await _everywhere(world, caller)
    assert shown == {
        "complaint": masked,
        "worklist": [masked],
        "timeline": masked,
        "form": masked,
    }
    assert CLEAR not in repr(await world.queries.timeline(caller, "C1", at(10)))
    assert CLEAR not in repr(await world.queries.form(caller, "C1", at(10)))


async def test_after_a_hand_off_each_name_belongs_to_the_owner_of_its_time(world):
    """Handed on to the sibling YN-KM-CARDS, whose 李四 signs for it: each owner reads its
    own handler's name, the other's masked; the branch above both reads both."""
    await world.feed("C1", transferred("YN-KM-01", "YN-KM-CARDS"), 3)
    await world.feed("C1", assigned("YN-KM-CARDS", previous_owner="YN-KM-01"), 3)
    await world.feed("C1", action("accepted", "YN-KM-CARDS", at(4), handler=LI), 4, SOURCE)

    async def names(caller: str) -> list[str]:
        timeline = await world.queries.timeline(caller, "C1", at(10))
        return [
            e["data"]["handler"]["name"] for e in timeline["events"] if e["data"].get("handler")
        ]

    assert await names("YN-KM-01") == ["张三", "李*"]
    assert await names("YN-KM-CARDS") == ["张*", "李四"]
    assert await names("YN-KM") == ["张三", "李四"]
    assert (await world.queries.complaint("YN-KM-01", "C1"))["handler"] == {
        "id": "e2077",
        "name": "李*",
    }
    assert (await world.queries.complaint("YN-KM-CARDS", "C1"))["handler"] == LI


async def test_a_supervision_line_reads_its_own_staff_but_not_the_owners(world):
    """A note by the province's supervision line, with its own handler: it reads that name,
    the owner (the unit whose complaint it is) too; the customer-service department neither."""
    wang = {"id": "s7", "name": "王五"}
    await world.feed("C1", action("note", "YN-SUP", at(5), text="chased", handler=wang), 5, SOURCE)

    async def names(caller: str) -> list[str]:
        timeline = await world.queries.timeline(caller, "C1", at(10))
        return [
            e["data"]["handler"]["name"] for e in timeline["events"] if e["data"].get("handler")
        ]

    assert await names("YN-SUP") == ["张*", "王五"]
    assert await names("YN-KM-01") == ["张三", "王五"]
    assert await names("YN-CS") == ["张*", "王*"]
