"""One contract for the projection store: the same cases against `FakeProjection` (in memory,
part of the unit suite) and `SqlProjection` (real PostgreSQL, marked integration).

Each `async with backend.transaction()` is one committed transaction, as the consumer runs one
per event; reads go through `reading()` as the read paths do.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.contracts import complaint_events as c
from complaints_shared.workflow.visibility import Involvement
from dashboard.adapters.projection_interfaces import ProjectionReader, ProjectionStore
from dashboard.adapters.repository import SqlProjection, sql_reading
from dashboard.domain.model import Complaint, Sample
from dashboard.domain.scope import Reach
from dashboard.testing.fakes import FakeProjection

from ..unit.events import (
    T0,
    action,
    assigned,
    at,
    breached,
    decided,
    fold,
    received,
    requested,
    rescheduled,
    started,
    stopped,
)


class Backend(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ProjectionStore]: ...

    def reading(self) -> AbstractAsyncContextManager[ProjectionReader]: ...

    def moment(self) -> datetime:
        """A processing time after every committed transaction, before any later one."""
        ...


@dataclass
class FakeBackend:
    fake: FakeProjection

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[ProjectionStore]:
        yield self.fake

    def reading(self) -> AbstractAsyncContextManager[ProjectionReader]:
        return self.fake.reading()

    def moment(self) -> datetime:
        return self.fake.clock()


@dataclass
class SqlBackend:
    sessions: async_sessionmaker[AsyncSession]

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[ProjectionStore]:
        async with self.sessions.begin() as session:
            yield SqlProjection(session)

    def reading(self) -> AbstractAsyncContextManager[ProjectionReader]:
        return sql_reading(self.sessions)()

    def moment(self) -> datetime:
        return datetime.now(UTC)  # the database's clock is this machine's


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "fake":
        return FakeBackend(FakeProjection())
    return SqlBackend(request.getfixturevalue("sessions"))


async def _save(backend: Backend, *complaints: Complaint) -> None:
    for complaint in complaints:
        async with backend.transaction() as store:
            await store.save(complaint)


def _as_read(complaint: Complaint) -> Complaint:
    """The complaint as a store gives it back: runs by clock and run, samples by time."""
    complaint.runs.sort(key=lambda r: (r.clock, r.run))
    complaint.samples.sort(key=lambda s: (s.at, s.measure, s.unit))
    return complaint


def _handled(cid: str = "C1", unit: str = "YN-KM-01", **received_as: Any) -> Complaint:
    """A repeat complaint of a key customer, received, assigned, signed for, three clocks (one
    breached and met late, one extended), an extension approved and one cancelled, resolved,
    classified, its return visit due, then made (the first call did not reach the customer):
    every column and both child tables have something."""
    customer = c.Customer(name="张**", phone="*******8000", key_customer=True)
    received_as = {"prior_complaints": 2, "customer": customer} | received_as
    return fold(
        (received(unit, **received_as), T0),
        (assigned(unit), at(1)),
        (started("transfer", unit, at(1), at(30)), at(1)),
        (started("start", unit, at(1), at(20)), at(1)),
        (action(c.ComplaintAccepted, unit, at(25)), at(25)),
        (breached("start", unit, at(20)), at(20)),
        (stopped("start", unit, at(25), late=True), at(25)),
        (started("resolve", unit, at(1), at(35)), at(1)),
        (requested(unit, at(26), at(38)), at(26), f"{cid}-r1"),
        (decided("YN-SUP", at(27), f"{cid}-r1", "approved"), at(27)),
        (rescheduled("resolve", unit, at(35), at(38)), at(27)),
        (requested(unit, at(28), at(39)), at(28), f"{cid}-r2"),  # cancelled by the reply
        (action(c.Resolved, unit, at(40), reply="done"), at(40)),
        (stopped("resolve", unit, at(40), late=True), at(40)),
        (action(c.Classified, unit, at(41), classification="valid"), at(41)),
        (started("return_visit", "YN-SUP", at(40), at(100)), at(40)),
        (action(c.ReturnVisitRecorded, unit, at(45), satisfaction=1, reached=False), at(45)),
        (action(c.ReturnVisitRecorded, unit, at(50), satisfaction=4), at(50)),
        (stopped("return_visit", "YN-SUP", at(50)), at(50)),
        complaint_id=cid,
    )


async def test_an_unknown_complaint_loads_fresh_and_reads_as_none(backend: Backend):
    async with backend.transaction() as store:
        assert await store.load("NEW") == Complaint("NEW")
    async with backend.reading() as reader:
        assert await reader.one("NEW") is None
        assert await reader.entries("NEW") == []


async def test_a_saved_complaint_reads_back_whole(backend: Backend):
    complaint = _handled()
    assert (complaint.prior_complaints, complaint.key_customer) == (2, True)
    assert (complaint.return_visits, complaint.visit_reached, complaint.visited_at) == (
        2,
        True,
        at(50),
    )
    await _save(backend, complaint)
    async with backend.transaction() as store:
        assert await store.load("C1") == _as_read(complaint)
    async with backend.reading() as reader:
        assert await reader.one("C1") == _as_read(complaint)


async def test_a_sign_for_ahead_of_the_assignment_is_kept(backend: Backend):
    complaint = fold(
        (received("YN-KM-01"), T0), (action(c.ComplaintAccepted, "YN-KM-01", at(3)), at(3))
    )
    assert complaint.early_acceptance == ("YN-KM-01", at(3))
    await _save(backend, complaint)
    async with backend.transaction() as store:
        assert (await store.load("C1")).early_acceptance == ("YN-KM-01", at(3))


async def test_saving_again_replaces_runs_and_keeps_measured_samples(backend: Backend):
    await _save(backend, _handled())
    later = _handled()
    later.runs = later.runs[:1]
    first_sample = later.samples[0]
    later.samples = [first_sample, Sample("resolve", "elsewhere", at(9), 1)]
    await _save(backend, later)
    async with backend.reading() as reader:
        found = await reader.one("C1")
    assert found is not None
    assert found.runs == later.runs
    assert len(found.samples) == 3  # both earlier samples stay, the new one joins them
    assert {(s.measure, s.unit) for s in found.samples} == {
        ("start", "YN-KM-01"),
        ("resolve", "YN-KM-01"),
        ("resolve", "elsewhere"),
    }


async def test_timeline_entries_keep_their_order_and_an_event_enters_once(backend: Backend):
    for n, event_id in enumerate(("e1", "e2", "e1", "e3")):
        async with backend.transaction() as store:
            await store.add_entry(
                complaint_id="C1",
                event_id=event_id,
                type=f"complaint.step_{n}",
                time=at(n),
                source="/tests",
                data={"unit": "YN-KM-01", "n": n},
            )
    async with backend.reading() as reader:
        entries = await reader.entries("C1")
        assert await reader.entries("C2") == []
    assert [(e.type, e.time, e.data["n"]) for e in entries] == [
        ("complaint.step_0", at(0), 0),
        ("complaint.step_1", at(1), 1),
        ("complaint.step_3", at(3), 3),
    ]


def _scoped() -> list[Complaint]:
    """Open in YN-KM-01; resolved last year; restricted; in XJ; a stub nobody is involved in."""
    old = T0 - timedelta(days=365)
    closed = fold(
        (received("YN-KM-01", when=old), old),
        (assigned("YN-KM-01"), old),
        (action(c.Resolved, "YN-KM-01", old, reply="done"), old),
        complaint_id="OLD",
    )
    restricted = fold(
        (received("YN-KM-02", flags=["major_liability"]), T0),
        (assigned("YN-KM-02", restricted=True), T0),
        complaint_id="RESTRICTED",
    )
    xj = fold((received("XJ-KM-01"), T0), (assigned("XJ-KM-01"), T0), complaint_id="XJ")
    opened = fold((received("YN-KM-01"), T0), complaint_id="OPEN")
    stub = fold(
        (action(c.Classified, "YN-KM-01", T0, classification="valid"), T0), complaint_id="STUB"
    )
    return [_handled("RECENT"), closed, restricted, xj, stub, opened]


def _visits() -> list[Complaint]:
    """Resolved last year in YN-KM-02: one with its return visit due, one whose visit was made."""
    old = T0 - timedelta(days=365)
    visit_due = fold(
        (received("YN-KM-02", when=old), old),
        (assigned("YN-KM-02"), old),
        (action(c.Resolved, "YN-KM-02", old, reply="done"), old),
        (started("return_visit", "YN-SUP", old, T0), old),
        (breached("return_visit", "YN-SUP", T0), T0),
        complaint_id="VISIT_DUE",
    )
    visited = fold(
        (received("YN-KM-02", when=old), old),
        (assigned("YN-KM-02"), old),
        (action(c.Resolved, "YN-KM-02", old, reply="done"), old),
        (started("return_visit", "YN-SUP", old, T0), old),
        (stopped("return_visit", "YN-SUP", old), old),
        complaint_id="VISITED",
    )
    return [visit_due, visited]


async def test_in_scope_takes_open_and_recent_complaints_within_reach(backend: Backend):
    await _save(backend, *_scoped(), *_visits())

    async def ids(reach: Reach | None, days: int = 1) -> set[str]:
        async with backend.reading() as reader:
            found = await reader.in_scope(reach, T0 - timedelta(days=days), T0 + timedelta(days=1))
        return {c.complaint_id for c in found}

    # A resolved complaint with its return visit due is read whatever its receipt.
    assert await ids(None) == {"RECENT", "VISIT_DUE", "RESTRICTED", "XJ", "OPEN"}
    assert await ids(None, days=400) == {
        "RECENT",
        "OLD",
        "VISIT_DUE",
        "VISITED",
        "RESTRICTED",
        "XJ",
        "OPEN",
    }
    yn = frozenset({"YN-KM-01", "YN-KM-02"})
    assert await ids(Reach(frozenset({"YN-KM-01"}), frozenset())) == {"RECENT", "OPEN"}
    assert await ids(Reach(frozenset({"YN-KM-02"}), frozenset())) == {"VISIT_DUE", "RESTRICTED"}
    # not the restricted one
    assert await ids(Reach(frozenset(), yn)) == {"RECENT", "VISIT_DUE", "OPEN"}
    assert await ids(Reach(frozenset({"XJ-KM-01"}), yn)) == {"RECENT", "VISIT_DUE", "OPEN", "XJ"}
    assert await ids(Reach(frozenset({"HQ"}), frozenset())) == set()


async def test_the_version_moves_with_every_save(backend: Backend):
    async with backend.reading() as reader:
        assert await reader.version() == ""
    versions = []
    for complaint in (_handled("A"), _handled("B"), _handled("A")):
        await _save(backend, complaint)
        async with backend.reading() as reader:
            versions.append(await reader.version())
    assert all(versions) and versions == sorted(set(versions))


async def test_latest_changes_come_newest_first_page_by_page(backend: Backend):
    await _save(backend, *_scoped())
    await _save(backend, _handled("RECENT"))  # changed last
    async with backend.reading() as reader:
        every = await reader.latest_changes(None, offset=0, limit=10)
        pages = [await reader.latest_changes(None, offset=n, limit=2) for n in (0, 2, 4)]
        yn = await reader.latest_changes(
            Reach(frozenset(), frozenset({"YN-KM-01", "YN-KM-02"})), offset=0, limit=10
        )
        latest = await reader.version()
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [c for page in pages for c in page] == every
    assert [c.at for c in every] == sorted((c.at for c in every), reverse=True)
    assert every[0].at.isoformat() == latest
    # the province's supervision line owns its return-visit clock
    assert every[0].involvement == Involvement(frozenset({"YN-KM-01", "YN-SUP"}), False)
    assert [c.involvement for c in every].count(
        Involvement(frozenset({"YN-KM-02"}), True)
    ) == 1  # the restricted one, as restricted
    assert len(yn) == 3  # RECENT, OPEN, OLD: the restricted one needs its unit named
    assert all(not c.involvement.restricted for c in yn)


# -- snapshots (`?as_of=`) ---------------------------------------------------------------------


async def _snap(backend: Backend, complaint: Complaint, event_id: str) -> datetime:
    """Save and snapshot `complaint` in one transaction; a moment after it."""
    async with backend.transaction() as store:
        await store.save(complaint)
        await store.add_snapshot(complaint, event_id=event_id)
    return backend.moment()


async def test_a_snapshot_reads_back_whole_as_of_any_later_moment(backend: Backend):
    before = backend.moment()
    complaint = _handled()
    assert complaint.extended and complaint.extension_requests[1].outcome == "cancelled"
    after = await _snap(backend, complaint, "e1")
    await _snap(backend, complaint, "e1")  # an event snapshotted once
    async with backend.reading() as reader:
        assert await reader.one_at("C1", before) is None
        assert await reader.one_at("C1", after) == _as_read(complaint)
        assert await reader.one_at("C2", after) is None
        assert await reader.one("C1") == _as_read(complaint)  # the row keeps the requests
        assert len(await reader.in_scope_at(None, T0, T0 + timedelta(days=1), after)) == 1


async def test_forgetting_the_customer_clears_it_from_every_snapshot(backend: Backend):
    complaint = _handled()
    assert complaint.customer_name == "张**"
    then = await _snap(backend, complaint, "e1")
    async with backend.transaction() as store:
        await store.forget_customer("C1")
    async with backend.reading() as reader:
        past = await reader.one_at("C1", then)
    assert past is not None
    assert (past.customer_name, past.customer_phone) == (None, None)
    assert past.received_at == complaint.received_at and past.key_customer


async def test_as_of_takes_each_complaints_latest_snapshot_recorded_by_then(backend: Backend):
    steps = [(received("YN-KM-01"), T0), (assigned("YN-KM-01"), at(1))]
    opened = fold(*steps, complaint_id="A")
    resolved = fold(
        *steps, (action(c.Resolved, "YN-KM-01", at(5), reply="ok"), at(5)), complaint_id="A"
    )
    other = fold((received("YN-KM-02"), T0), (assigned("YN-KM-02"), T0), complaint_id="B")
    restricted = replace(other, state=replace(other.state, restricted=True))
    first = await _snap(backend, opened, "a1")
    second = await _snap(backend, other, "b1")
    third = await _snap(backend, resolved, "a2")
    fourth = await _snap(backend, restricted, "b2")

    async def ids(moment: datetime, reach: Reach | None = None, days: int = 1) -> list[str]:
        start = T0 + timedelta(days=days)  # received_from after T0 for days > 0: only open ones
        async with backend.reading() as reader:
            found = await reader.in_scope_at(reach, start, start + timedelta(days=2), moment)
        return [c.complaint_id for c in found]

    assert await ids(first) == ["A"]
    assert await ids(second) == ["A", "B"]
    # A's latest by then is resolved and was received outside the range: not its older snapshot
    assert await ids(third) == ["B"]
    assert await ids(third, days=-1) == ["A", "B"]  # received in range: its resolved snapshot
    async with backend.reading() as reader:
        found = await reader.in_scope_at(
            None, T0 - timedelta(days=1), T0 + timedelta(days=1), third
        )
        assert {c.complaint_id: c.status for c in found} == {"A": "resolved", "B": "assigned"}
    province = Reach(frozenset(), frozenset({"YN-KM-01", "YN-KM-02"}))
    assert await ids(third, province) == ["B"]
    assert await ids(fourth, province) == []  # restricted by then: not an older snapshot
    assert await ids(fourth, Reach(frozenset({"YN-KM-02"}), frozenset())) == ["B"]


async def test_timeline_entries_as_of_are_those_recorded_by_then(backend: Backend):
    moments = []
    for n in range(3):
        async with backend.transaction() as store:
            await store.add_entry(
                complaint_id="C1",
                event_id=f"e{n}",
                type=f"complaint.step_{n}",
                time=at(-n),  # event time runs backwards: record time decides
                source="/tests",
                data={"n": n},
            )
        moments.append(backend.moment())
    async with backend.reading() as reader:
        every = await reader.entries("C1")
        assert [len(await reader.entries("C1", recorded_by=m)) for m in moments] == [1, 2, 3]
        assert await reader.entries("C1", recorded_by=moments[0] - timedelta(days=1)) == []
    recorded = [e.recorded_at for e in every]
    assert all(r is not None for r in recorded)
    assert recorded == sorted(recorded)  # type: ignore[type-var]
