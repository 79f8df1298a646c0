"""Reading one complaint's views back for the API (SQL only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from .tables import clock_views, complaint_views, complaints, timeline_entries


class SqlComplaintReads:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self.sessions = sessions

    async def complaint(self, complaint_id: str) -> dict[str, Any] | None:
        """The view row with its clocks; a registered complaint not yet back from the log
        comes back as the bare registration (no `state`)."""
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
