"""The projection handler on the in-memory store: every event folded, timelines public only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, new_id
from dashboard.service_layer.projection import DashboardProjection
from dashboard.testing.fakes import FakeProjection

from .events import T0, action, assigned, at, fold, received, started, stopped

NO_SESSION = cast(AsyncSession, None)  # the consumer's session; the fake store ignores it


def _envelope(complaint_id: str, event: Event, when: datetime, id: str | None = None) -> Envelope:
    return Envelope(
        id=id or new_id(),
        source="/dashboard-tests",
        type=event.type_name(),
        subject=complaint_id,
        time=when,
        data=event.model_dump(mode="json"),
    )


async def _project(store: FakeProjection, complaint_id: str, *steps: Any) -> None:
    handler = DashboardProjection(store.stores)
    for event, when in steps:
        await handler.project(NO_SESSION, _envelope(complaint_id, event, when), event)


STEPS = (
    (received("YN-KM-01"), T0),
    (assigned("YN-KM-01"), at(1)),
    (started("start", "YN-KM-01", at(1), at(60)), at(1)),
    (action(c.ComplaintAccepted, "YN-KM-01", at(5)), at(5)),
    (stopped("start", "YN-KM-01", at(5)), at(5)),
)


async def test_the_projection_is_the_fold_of_the_events():
    store = FakeProjection()
    await _project(store, "C1", *STEPS)
    assert await store.load("C1") == fold(*STEPS)


async def test_the_timeline_keeps_public_fields_only_in_log_order():
    store = FakeProjection()
    await _project(store, "C1", *STEPS)
    entries = await store.entries("C1")
    assert [e.type for e in entries] == [
        "complaint.received",
        "complaint.assigned",
        "sla.clock_started",
        "complaint.accepted",
        "sla.clock_stopped",
    ]
    assert entries[0].time == T0
    assert "customer" not in entries[0].data and "summary" not in entries[0].data
    assert entries[0].data["receiving_unit"] == "YN-KM-01"


async def test_each_event_moves_the_version():
    store = FakeProjection()
    versions = [await store.version()]
    for step in STEPS:
        await _project(store, "C1", step)
        versions.append(await store.version())
    assert versions[0] == ""
    assert versions == sorted(set(versions))


async def test_an_event_entered_twice_has_one_timeline_entry():
    store = FakeProjection()
    handler = DashboardProjection(store.stores)
    event = received("YN-KM-01")
    envelope = _envelope("C1", event, T0)
    for _ in range(2):  # the inbox stops a redelivery first; the timeline holds on its own too
        await handler.project(NO_SESSION, envelope, event)
    assert len(await store.entries("C1")) == 1


def test_the_projection_takes_every_event():
    assert list(DashboardProjection(FakeProjection().stores).registry()) == [Event]
