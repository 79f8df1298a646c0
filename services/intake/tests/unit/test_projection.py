"""The projection on the in-memory stores: a timeline entry per event, status and owner from the
shared lifecycle fold, the clocks and the complaint's next due time, the command state kept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints_shared.contracts import personal_data_events as p
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.workflow.lifecycle import ComplaintState, apply, from_json, to_json
from intake.service_layer.projection import Projection
from intake.service_layer.submissions import SOURCE
from intake.testing import FakeCommandStore, FakeViews
from intake.testing.fakes import INFINITY

from .events import ORG, T0, action, assigned, at, envelope, received, started

C1 = "C1"


class Projected:
    def __init__(self) -> None:
        self.views, self.commands = FakeViews(), FakeCommandStore()
        self.projection = Projection(ORG, stores=lambda _session: (self.views, self.commands))
        self.events: list[tuple[Event, str]] = []

    async def feed(self, event: Event, minutes: float = 0, source: str = "/routing") -> str:
        sent = envelope(C1, event, at(minutes), source)
        await self.projection.project(None, sent, event)  # type: ignore[arg-type]
        self.events.append((event, sent.id))
        return sent.id

    @property
    def view(self) -> dict:
        return self.views.views[C1]

    def clock(self, name: str) -> dict:
        return self.views.clocks[C1, name]


@pytest.fixture
def projected() -> Projected:
    return Projected()


async def test_every_event_gets_a_timeline_entry_in_log_order(projected):
    ids = [
        await projected.feed(received(), source=SOURCE),
        await projected.feed(assigned("YN-KM-01"), 1),
        await projected.feed(started("resolve", "YN-KM-01", at(1), at(60)), 1, "/sla-monitor"),
    ]
    entries = projected.views.timeline
    assert [e["event_id"] for e in entries] == ids
    assert [e["position"] for e in entries] == [1, 2, 3]
    assert [e["type"] for e in entries] == [
        "complaint.received",
        "complaint.assigned",
        "sla.clock_started",
    ]
    assert [e["source"] for e in entries] == [SOURCE, "/routing", "/sla-monitor"]
    assert entries[1]["time"] == at(1) and entries[0]["complaint_id"] == C1


async def test_personal_data_is_masked_in_the_timeline_and_the_view(projected):
    await projected.feed(received(), source=SOURCE)
    masked = projected.views.timeline[0]["data"]["customer"]
    assert masked == projected.view["customer"]
    assert masked["phone"] != "13800138000" and masked["name"] != "张三丰"
    assert set(masked) == {"name", "phone"}


async def test_an_erasure_drops_the_masked_customer_everywhere_the_projection_keeps_it(
    projected,
):
    await projected.feed(received(), source=SOURCE)
    await projected.feed(assigned("YN-KM-01"), 1)
    erased = p.PersonalDataErased(unit="YN", posted_by="YN", at=at(5), reason="the customer asked")
    await projected.feed(erased, 5, source=SOURCE)
    assert projected.view["customer"] == {"erased": True}
    assert projected.view["received_at"] is not None  # the complaint is still there
    received_entry = projected.views.timeline[0]
    assert received_entry["data"]["customer"] == {"erased": True}
    assert "sealed" not in received_entry["data"]
    for entry in projected.views.timeline:
        assert entry["view_after"]["view"]["customer"] == {"erased": True}
    assert projected.views.timeline[-1]["type"] == "personal_data.erased"


async def test_the_view_shows_the_prior_complaints_of_the_received_event(projected):
    await projected.feed(received(), source=SOURCE)
    assert (projected.view["prior_complaints"], projected.view["repeat_complainant"]) == (0, False)
    projected.views.views.clear()
    await projected.feed(received(prior_complaints=2), source=SOURCE)
    assert (projected.view["prior_complaints"], projected.view["repeat_complainant"]) == (2, True)
    await projected.feed(assigned("YN-KM-01"), 1)
    assert projected.view["prior_complaints"] == 2  # later events leave it


async def test_status_owner_and_handler_come_from_the_shared_fold(projected):
    steps: list[tuple[Event, float]] = [
        (received(flags=("major_liability",)), 0),
        (assigned("YN-KM-01"), 1),
        (action("accepted", "YN-KM-01", at(2), handler={"id": "e7", "name": "李"}), 2),
        (action("waiting_on_customer", "YN-KM-01", at(3)), 3),
    ]
    state = ComplaintState()
    for event, minutes in steps:
        await projected.feed(event, minutes)
        state = apply(state, event, at(minutes))
        view = projected.view
        assert (view["status"], view["owner_unit"]) == (state.status, state.owner_unit)
        assert from_json(view["state"]) == state and view["state"] == to_json(state)
    view = projected.view
    assert view["status"] == "waiting_on_customer" and view["handling_level"] == "branch"
    assert view["handler"] == {"id": "e7", "name": "李"} and view["handler_id"] == "e7"
    assert view["restricted"] is True
    assert view["units_involved"] == ["YN-KM-01"] and view["provinces"] == ["YN"]
    assert (view["kind"], view["channel"], view["business_line"]) == (
        "complaint",
        "on_site",
        "cards",
    )
    assert view["received_at"] == T0 and view["flags"] == ["major_liability"]


async def test_the_earliest_live_clock_is_the_next_due(projected):
    await projected.feed(received(), source=SOURCE)
    assert projected.view["next_due_at"] is None and projected.view["due_order"] == INFINITY
    await projected.feed(started("resolve", "YN-KM-01", at(1), at(600)), 1)
    await projected.feed(started("start", "YN-KM-01", at(1), at(60)), 1)
    assert projected.clock("start")["state"] == "running"
    assert projected.view["next_due_at"] == at(60) == projected.view["due_order"]
    assert projected.view["next_due"] == {
        "clock": "start",
        "due_at": at(60).isoformat(),
        "state": "running",
        "owner_unit": "YN-KM-01",
    }
    paused = s.ClockPaused(
        clock="start", owner_unit="YN-KM-01", paused_at=at(5), remaining_seconds=60, due_at=at(90)
    )
    await projected.feed(paused, 5)
    assert projected.clock("start")["state"] == "paused"
    assert projected.view["next_due"]["clock"] == "resolve"  # a paused clock is not due


async def test_a_breached_clock_stays_due_until_it_stops(projected):
    await projected.feed(received(), source=SOURCE)
    await projected.feed(started("start", "YN-KM-01", at(1), at(60)), 1)
    await projected.feed(s.SlaBreached(clock="start", owner_unit="YN-KM-01", due_at=at(60)), 61)
    assert projected.clock("start")["state"] == "breached"
    assert projected.view["next_due"]["state"] == "breached"
    stopped = s.ClockStopped(
        clock="start", owner_unit="YN-KM-01", outcome="met", stopped_at=at(70), late=True
    )
    await projected.feed(stopped, 70)
    assert (projected.clock("start")["state"], projected.clock("start")["late"]) == ("met", True)
    assert projected.view["next_due"] is None and projected.view["due_order"] == INFINITY


async def test_a_rescheduled_clock_moves_the_next_due(projected):
    await projected.feed(received(), source=SOURCE)
    await projected.feed(started("resolve", "YN-KM-01", at(1), at(600)), 1)
    later = at(600) + timedelta(days=1)
    moved = s.ClockRescheduled(
        clock="resolve", owner_unit="YN-KM", due_at=later, previous_due_at=at(600), reason="p"
    )
    await projected.feed(moved, 2)
    assert projected.clock("resolve")["owner_unit"] == "YN-KM"
    assert projected.view["next_due_at"] == later


async def test_other_services_events_are_folded_into_the_command_state(projected):
    await projected.commands.register(
        complaint_id=C1,
        receiving_unit="YN-KM-01",
        posted_by="YN-KM-01",
        received_event_id="e0",
        state=apply(ComplaintState(), received(), T0),
    )
    await projected.feed(received(), source=SOURCE)  # intake's own: folded when accepted
    await projected.feed(assigned("YN-KM"), 1)
    registered = await projected.commands.lock(C1)
    assert registered is not None
    assert (registered.state.status, registered.state.owner_unit) == ("assigned", "YN-KM")
