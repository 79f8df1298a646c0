"""The projection's reads in PostgreSQL: complaints within a reach, now or as they stood at a
moment (from their snapshots), one complaint, its timeline, and what changed last.

`SqlProjectionReads` is `ProjectionReader` on one session; `repository.SqlProjection` adds
the writes to it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, func, not_, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.workflow.visibility import Involvement

from ..domain.live import AFTER_RESOLUTION
from ..domain.model import FINAL_STATUSES, Complaint
from ..domain.scope import Reach
from ..domain.timeline import Entry
from . import snapshots
from .projection_interfaces import Change
from .projection_rows import complaint_of, in_read_order, run_of, sample_of
from .tables import clock_runs, complaint_snapshots, complaints, samples, timeline_entries

ACTIVE_STATES = ("running", "paused")  # `ClockRun.active`


class SqlProjectionReads:
    """`ProjectionReader` in PostgreSQL, inside the session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
        return await self._attach([complaint_of(dict(row._mapping)) for row in rows])

    async def one(self, complaint_id: str) -> Complaint | None:
        query = select(complaints).where(complaints.c.complaint_id == complaint_id)
        row = (await self.session.execute(query)).first()
        return (await self._attach([complaint_of(dict(row._mapping))]))[0] if row else None

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
                by_id[row.complaint_id].runs.append(run_of(dict(row._mapping)))
            query = select(samples).where(samples.c.complaint_id.in_(chunk))
            for row in await self.session.execute(query):
                by_id[row.complaint_id].samples.append(sample_of(dict(row._mapping)))
        return [in_read_order(complaint) for complaint in by_id.values()]


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


def _latest_snapshots(moment: datetime) -> Select[Any]:
    """Each complaint's latest snapshot recorded at or before `moment` (DISTINCT ON)."""
    s = complaint_snapshots.c
    return (
        select(complaint_snapshots)
        .where(s.recorded_at <= moment)
        .ext(distinct_on(s.complaint_id))
        .order_by(s.complaint_id, s.recorded_at.desc(), s.position.desc())
    )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
