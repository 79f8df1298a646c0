"""Reading intake's projection for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..adapters.tables import clock_views, complaint_views, complaints, timeline_entries
from ..domain.lifecycle import stays

_ENDING = {"complaint.resolved", "complaint.closed"}


class Queries:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self.sessions = sessions

    async def complaint(self, complaint_id: str) -> dict[str, Any] | None:
        async with self.sessions() as session:
            registered = (
                await session.execute(
                    select(complaints).where(complaints.c.complaint_id == complaint_id)
                )
            ).first()
            view = (
                await session.execute(
                    select(complaint_views).where(complaint_views.c.complaint_id == complaint_id)
                )
            ).first()
            clocks = (
                await session.execute(
                    select(clock_views)
                    .where(clock_views.c.complaint_id == complaint_id)
                    .order_by(clock_views.c.started_at)
                )
            ).all()
        if registered is None and view is None:
            return None
        if view is None:  # accepted, not yet back from the log
            return {
                "complaint_id": complaint_id,
                "status": "accepted",
                "receiving_unit": registered.receiving_unit,
                "units_involved": [registered.receiving_unit],
                "clocks": [],
            }
        result = dict(view._mapping)
        result["clocks"] = [
            {
                "name": clock.clock,
                "state": clock.state,
                "owner_unit": clock.owner_unit,
                "started_at": clock.started_at,
                "due_at": clock.due_at,
                "late": clock.late,
            }
            for clock in clocks
        ]
        return result

    async def timeline(self, complaint_id: str, now: datetime) -> dict[str, Any]:
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(timeline_entries)
                    .where(timeline_entries.c.complaint_id == complaint_id)
                    .order_by(timeline_entries.c.position)
                )
            ).all()
        events = [
            {
                "position": row.position,
                "event_id": row.event_id,
                "type": row.type,
                "time": row.time,
                "source": row.source,
                "data": row.data,
            }
            for row in rows
        ]
        handoffs = [
            {
                "from_unit": row.data["from_unit"],
                "to_unit": row.data["to_unit"],
                "why": row.data["reason"],
                "at": row.time,
            }
            for row in rows
            if row.type in ("complaint.transferred", "complaint.escalated")
        ]
        assignments = [
            (row.data["owner_unit"], row.time) for row in rows if row.type == "complaint.assigned"
        ]
        ended = next((row.time for row in reversed(rows) if row.type in _ENDING), None)
        if rows and rows[-1].type == "complaint.reopened":
            ended = None
        return {
            "complaint_id": complaint_id,
            "events": events,
            "handoffs": handoffs,
            "stays": [stay.__dict__ for stay in stays(assignments, ended, now)],
        }
