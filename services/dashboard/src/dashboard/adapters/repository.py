"""The dashboard's projection store: its complaints (with clock runs and samples) and timelines.

Every SQL query of the dashboard's projection lives here, behind two small interfaces:

- `ProjectionStore`, what the projection handler needs, inside the consumer's transaction;
- `ProjectionReader`, what the read paths (`DashboardQueries`) and the change feed need.

`SqlProjection` is both, in PostgreSQL, on one session (`sql_reading` opens one to read);
`dashboard.testing.fakes.FakeProjection` is both, in memory. The two behave alike: the same
contract tests run against each (services/dashboard/tests/integration/test_store_contract.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Row,
    Select,
    and_,
    delete,
    func,
    literal_column,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.workflow.lifecycle import from_json, to_json
from complaints_shared.workflow.visibility import Involvement

from ..domain.live import AFTER_RESOLUTION
from ..domain.model import FINAL_STATUSES, ClockRun, Complaint, Sample
from ..domain.scope import Reach
from ..domain.timeline import Entry
from . import snapshots
from .tables import clock_runs, complaint_snapshots, complaints, samples, timeline_entries


@dataclass(frozen=True)
class Change:
    """When a complaint last changed (processing time), and who is involved in it."""

    at: datetime
    involvement: Involvement


class ProjectionStore(Protocol):
    """The projection's writes, all within the transaction that records the event as seen."""

    async def add_entry(
        self,
        *,
        complaint_id: str,
        event_id: str,
        type: str,
        time: datetime,
        source: str,
        data: dict[str, Any],
    ) -> None:
        """Append a timeline entry; an event already entered (same `event_id`) is skipped."""
        ...

    async def load(self, complaint_id: str) -> Complaint:
        """The complaint as projected so far (locked until the transaction ends), or a
        fresh one."""
        ...

    async def save(self, complaint: Complaint) -> None:
        """Store the complaint, its clock runs and its samples; it now changed (`version`)."""
        ...

    async def add_snapshot(self, complaint: Complaint, *, event_id: str) -> None:
        """Append the complaint as folded after the event `event_id`, recorded now (processing
        time); an event already snapshotted is skipped."""
        ...

    async def forget_customer(self, complaint_id: str) -> None:
        """Erasure: the masked customer leaves every snapshot of the complaint kept before."""
        ...


class ProjectionReader(Protocol):
    """What the read paths ask: every answer is filtered again by `scope.shows`."""

    async def in_scope(
        self, reach: Reach | None, received_from: datetime, received_to: datetime
    ) -> list[Complaint]:
        """Complaints within `reach` (`scope.reach`; None for all) that are not final, were
        received in [received_from, received_to), or have a clock that runs after resolution
        (`live.AFTER_RESOLUTION`: a return visit due) running or paused."""
        ...

    async def one(self, complaint_id: str) -> Complaint | None: ...

    async def in_scope_at(
        self,
        reach: Reach | None,
        received_from: datetime,
        received_to: datetime,
        moment: datetime,
    ) -> list[Complaint]:
        """`in_scope` as the projection stood at `moment`: of each complaint its latest snapshot
        recorded at or before `moment`, taken when that snapshot meets `in_scope`'s terms."""
        ...

    async def one_at(self, complaint_id: str, moment: datetime) -> Complaint | None:
        """The complaint's latest snapshot recorded at or before `moment`."""
        ...

    async def entries(self, complaint_id: str, recorded_by: datetime | None = None) -> list[Entry]:
        """The complaint's timeline entries, in the order they were added; with `recorded_by`,
        only those recorded at or before it."""
        ...

    async def version(self) -> str:
        """Changes whenever the projection changes (wakes the live pages; never sent to them)."""
        ...

    async def latest_changes(self, reach: Reach | None, *, offset: int, limit: int) -> list[Change]:
        """The complaints within `reach`, most recently changed first (ties by id)."""
        ...


# Opens a reader for one unit of work: `async with reading() as reader: …`.
Reading = Callable[[], AbstractAsyncContextManager[ProjectionReader]]

# Copies of the shared state, written for the filters and indexes, never read back.
_FROM_STATE = (
    "receiving_unit",
    "business_line",
    "status",
    "owner_unit",
    "handling_level",
    "owner_since",
    "restricted",
    "units_involved",
)
_COLUMNS = [
    c.name
    for c in complaints.columns
    if c.name not in ("complaint_id", "updated_at", "state", "extension_requests", *_FROM_STATE)
]
RUN_COLUMNS = [c.name for c in clock_runs.columns if c.name != "complaint_id"]
ACTIVE_STATES = ("running", "paused")  # `ClockRun.active`


def sql_reading(sessions: async_sessionmaker[AsyncSession]) -> Reading:
    """A `Reading` that gives each unit of work a session of its own."""

    @contextlib.asynccontextmanager
    async def reading() -> AsyncIterator[ProjectionReader]:
        async with sessions() as session:
            yield SqlProjection(session)

    return reading


class SqlProjection:
    """`ProjectionStore` and `ProjectionReader` in PostgreSQL, inside the session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_entry(
        self,
        *,
        complaint_id: str,
        event_id: str,
        type: str,
        time: datetime,
        source: str,
        data: dict[str, Any],
    ) -> None:
        entry = insert(timeline_entries).values(
            complaint_id=complaint_id,
            event_id=event_id,
            type=type,
            time=time,
            source=source,
            data=data,
        )
        await self.session.execute(entry.on_conflict_do_nothing())

    async def load(self, complaint_id: str) -> Complaint:
        query = select(complaints).where(complaints.c.complaint_id == complaint_id)
        row = (await self.session.execute(query.with_for_update())).first()
        if row is None:
            return Complaint(complaint_id)
        return (await self._attach([_complaint(row)]))[0]

    async def save(self, complaint: Complaint) -> None:
        values: dict[str, Any] = {**complaint_values(complaint), "updated_at": func.now()}
        cid = complaint.complaint_id
        await self.session.execute(
            insert(complaints)
            .values(complaint_id=cid, **values)
            .on_conflict_do_update(index_elements=["complaint_id"], set_=values)
        )
        await self.session.execute(delete(clock_runs).where(clock_runs.c.complaint_id == cid))
        if complaint.runs:
            await self.session.execute(insert(clock_runs), run_rows(complaint))
        if complaint.samples:
            rows = sample_rows(complaint)
            await self.session.execute(insert(samples).on_conflict_do_nothing(), rows)

    async def add_snapshot(self, complaint: Complaint, *, event_id: str) -> None:
        snapshot = insert(complaint_snapshots).values(
            complaint_id=complaint.complaint_id,
            event_id=event_id,
            recorded_at=func.now(),
            **snapshot_columns(complaint),
        )
        await self.session.execute(snapshot.on_conflict_do_nothing())

    async def forget_customer(self, complaint_id: str) -> None:
        s = complaint_snapshots.c
        cleared: ColumnElement[Any] = literal_column(
            """'{"customer_name": null, "customer_phone": null}'::jsonb"""
        )
        await self.session.execute(
            update(complaint_snapshots)
            .where(s.complaint_id == complaint_id)
            .values(complaint=s.complaint.op("||")(cleared))
        )

    async def in_scope(
        self, reach: Reach | None, received_from: datetime, received_to: datetime
    ) -> list[Complaint]:
        c = complaints.c
        runs = clock_runs.c
        due_after_resolution = select(runs.complaint_id).where(
            runs.clock.in_(sorted(AFTER_RESOLUTION)), runs.state.in_(ACTIVE_STATES)
        )
        wanted = or_(
            c.status.not_in(FINAL_STATUSES),
            and_(c.received_at >= received_from, c.received_at < received_to),
            c.complaint_id.in_(due_after_resolution),
        )
        query = select(complaints).where(wanted, _within(reach))
        rows = (await self.session.execute(query)).all()
        return await self._attach([_complaint(row) for row in rows])

    async def one(self, complaint_id: str) -> Complaint | None:
        query = select(complaints).where(complaints.c.complaint_id == complaint_id)
        row = (await self.session.execute(query)).first()
        return (await self._attach([_complaint(row)]))[0] if row else None

    async def in_scope_at(
        self,
        reach: Reach | None,
        received_from: datetime,
        received_to: datetime,
        moment: datetime,
    ) -> list[Complaint]:
        latest = _latest_snapshots(moment).subquery()
        s = latest.c
        wanted = or_(
            s.status.not_in(FINAL_STATUSES),
            and_(s.received_at >= received_from, s.received_at < received_to),
            s.visit_due,
        )
        query = select(s.complaint).where(wanted, _within(reach, latest)).order_by(s.complaint_id)
        return [snapshots.from_json(row[0]) for row in await self.session.execute(query)]

    async def one_at(self, complaint_id: str, moment: datetime) -> Complaint | None:
        query = _latest_snapshots(moment).where(complaint_snapshots.c.complaint_id == complaint_id)
        row = (await self.session.execute(query)).first()
        return snapshots.from_json(row.complaint) if row else None

    async def entries(self, complaint_id: str, recorded_by: datetime | None = None) -> list[Entry]:
        t = timeline_entries.c
        query = select(timeline_entries).where(t.complaint_id == complaint_id)
        if recorded_by is not None:
            query = query.where(t.recorded_at <= recorded_by)
        rows = (await self.session.execute(query.order_by(t.position))).all()
        return [Entry(row.type, row.time, row.data, row.recorded_at) for row in rows]

    async def version(self) -> str:
        query = select(func.max(complaints.c.updated_at))
        latest: datetime | None = (await self.session.execute(query)).scalar()
        return latest.isoformat() if latest else ""

    async def latest_changes(self, reach: Reach | None, *, offset: int, limit: int) -> list[Change]:
        c = complaints.c
        query = (
            select(c.updated_at, c.units_involved, c.restricted)
            .where(_within(reach))
            .order_by(c.updated_at.desc(), c.complaint_id)
            .offset(offset)
            .limit(limit)
        )
        return [
            Change(row[0], Involvement(frozenset(row[1]), row[2]))
            for row in await self.session.execute(query)
        ]

    async def _attach(self, found: Sequence[Complaint]) -> list[Complaint]:
        """The complaints with their clock runs and samples, in a stable order."""
        by_id = {c.complaint_id: c for c in found}
        for chunk in _chunks(list(by_id), 5000):
            query = select(clock_runs).where(clock_runs.c.complaint_id.in_(chunk))
            for row in await self.session.execute(query):
                run = ClockRun(**{n: getattr(row, n) for n in RUN_COLUMNS})
                by_id[row.complaint_id].runs.append(run)
            query = select(samples).where(samples.c.complaint_id.in_(chunk))
            for row in await self.session.execute(query):
                sample = Sample(row.measure, row.unit, row.at, row.seconds)
                by_id[row.complaint_id].samples.append(sample)
        for complaint in by_id.values():
            complaint.runs.sort(key=lambda r: (r.clock, r.run))
            complaint.samples.sort(key=lambda s: (s.at, s.measure, s.unit))
        return list(by_id.values())


def snapshot_columns(complaint: Complaint) -> dict[str, Any]:
    """A snapshot row's values but for its id and time: the complaint, and copies to filter on."""
    return {
        "complaint": snapshots.to_json(complaint),
        "received_at": complaint.received_at,
        "status": complaint.status,
        "restricted": complaint.restricted,
        "units_involved": complaint.units_involved,
        "visit_due": visit_due(complaint),
    }


def visit_due(complaint: Complaint) -> bool:
    """A clock that runs after resolution (`live.AFTER_RESOLUTION`) is running or paused."""
    return any(r.active for r in complaint.runs if r.clock in AFTER_RESOLUTION)


def _latest_snapshots(moment: datetime) -> Select[Any]:
    """Each complaint's latest snapshot recorded at or before `moment` (DISTINCT ON)."""
    s = complaint_snapshots.c
    return (
        select(complaint_snapshots)
        .where(s.recorded_at <= moment)
        .ext(distinct_on(s.complaint_id))
        .order_by(s.complaint_id, s.recorded_at.desc(), s.position.desc())
    )


def _within(reach: Reach | None, table: FromClause = complaints) -> ColumnElement[bool]:
    """The rows of `table` (complaints, or snapshots) `reach` takes in (every complaint some
    unit is involved in, for None)."""
    c = table.c
    if reach is None:
        return func.cardinality(c.units_involved) > 0
    wanted = c.units_involved.overlap(sorted(reach.units))
    if reach.unrestricted:
        unrestricted = and_(
            not_(c.restricted), c.units_involved.overlap(sorted(reach.unrestricted))
        )
        wanted = or_(wanted, unrestricted)
    return wanted


def _complaint(row: Row[Any]) -> Complaint:
    return complaint_of(dict(row._mapping))


def complaint_of(row: Mapping[str, Any]) -> Complaint:
    """The complaint of a `complaints` row (without its clock runs and samples)."""
    values = {name: row[name] for name in _COLUMNS}
    early = values.pop("early_acceptance")
    complaint = Complaint(row["complaint_id"], from_json(row["state"]), **values)
    complaint.extension_requests = snapshots.requests_from_json(row["extension_requests"])
    if early:
        complaint.early_acceptance = (early[0], datetime.fromisoformat(early[1]))
    return complaint


def complaint_values(complaint: Complaint) -> dict[str, Any]:
    """The complaint's `complaints` row but its id and `updated_at`."""
    values: dict[str, Any] = {n: getattr(complaint, n) for n in (*_COLUMNS, *_FROM_STATE)}
    values["state"] = to_json(complaint.state)
    early = complaint.early_acceptance
    values["early_acceptance"] = [early[0], early[1].isoformat()] if early else None
    values["extension_requests"] = snapshots.requests_to_json(complaint.extension_requests)
    return values


def run_rows(complaint: Complaint) -> list[dict[str, Any]]:
    """The complaint's `clock_runs` rows."""
    cid = complaint.complaint_id
    return [
        {"complaint_id": cid, **{n: getattr(r, n) for n in RUN_COLUMNS}} for r in complaint.runs
    ]


def sample_rows(complaint: Complaint) -> list[dict[str, Any]]:
    """The complaint's `samples` rows (a (measure, unit) stored before is kept as it was)."""
    return [
        {
            "complaint_id": complaint.complaint_id,
            "measure": s.measure,
            "unit": s.unit,
            "at": s.at,
            "seconds": s.seconds,
        }
        for s in complaint.samples
    ]


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
