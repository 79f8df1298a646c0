"""The dashboard's projection in PostgreSQL: its complaints (with clock runs and samples), their
snapshots and timelines.

`SqlProjection` is both interfaces of `projection_interfaces` on one session: the projection's
writes, here, inside the consumer's transaction, and its reads (`projection_reads`);
`sql_reading` opens one to read. A complaint becomes rows and back in `projection_rows`.
`dashboard.testing.fakes.FakeProjection` is the same in memory: the same contract tests run
against each (services/dashboard/tests/integration/test_store_contract.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..domain.model import Complaint
from .projection_interfaces import ProjectionReader, Reading
from .projection_reads import SqlProjectionReads
from .projection_rows import complaint_of, complaint_values, run_rows, sample_rows, snapshot_columns
from .tables import clock_runs, complaint_snapshots, complaints, samples, timeline_entries


def sql_reading(sessions: async_sessionmaker[AsyncSession]) -> Reading:
    """A `Reading` that gives each unit of work a session of its own."""

    @contextlib.asynccontextmanager
    async def reading() -> AsyncIterator[ProjectionReader]:
        async with sessions() as session:
            yield SqlProjection(session)

    return reading


class SqlProjection(SqlProjectionReads):
    """`ProjectionStore` and `ProjectionReader` in PostgreSQL, inside the session's transaction."""

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
        return (await self._attach([complaint_of(dict(row._mapping))]))[0]

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
