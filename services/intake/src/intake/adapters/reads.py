"""Reading one complaint's views back for the API (SQL only).

`ComplaintReads` is what the queries need; `SqlComplaintReads` reads PostgreSQL,
`intake.testing.FakeComplaintReads` the in-memory stores.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .tables import clock_views, complaint_views, complaints, timeline_entries


class ComplaintReads(Protocol):
    async def complaint(self, complaint_id: str) -> dict[str, Any] | None:
        """The view row (every column of `complaint_views`) with its `clocks` (rows of
        `clock_views`, by start); a complaint registered but not yet back from the log comes
        back as the bare registration: `complaint_id`, `receiving_unit`, the command `state`
        (JSON, may be None), no clocks and `registered_only`. None: no such complaint."""
        ...

    async def timeline(self, complaint_id: str) -> list[dict[str, Any]]:
        """The complaint's timeline entries in log order (`position`)."""
        ...


class SqlComplaintReads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def complaint(self, complaint_id: str) -> dict[str, Any] | None:
        async with self.sessions() as session:
            view = (
                await session.execute(
                    select(complaint_views).where(complaint_views.c.complaint_id == complaint_id)
                )
            ).first()
            if view is None or view.received_at is None:
                registered = (
                    await session.execute(
                        select(complaints).where(complaints.c.complaint_id == complaint_id)
                    )
                ).first()
                if registered is None:
                    return None
                return {
                    "complaint_id": complaint_id,
                    "receiving_unit": registered.receiving_unit,
                    "state": registered.state,
                    "clocks": [],
                    "registered_only": True,
                }
            clocks = (
                await session.execute(
                    select(clock_views)
                    .where(clock_views.c.complaint_id == complaint_id)
                    .order_by(clock_views.c.started_at)
                )
            ).all()
        return {**view._mapping, "clocks": [dict(row._mapping) for row in clocks]}

    async def timeline(self, complaint_id: str) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(timeline_entries)
                    .where(timeline_entries.c.complaint_id == complaint_id)
                    .order_by(timeline_entries.c.position)
                )
            ).all()
        return [dict(row._mapping) for row in rows]
