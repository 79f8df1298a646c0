"""Reading one complaint's views back for the API (SQL only).

`ComplaintReads` is what the queries need; `SqlComplaintReads` reads PostgreSQL,
`intake.testing.FakeComplaintReads` the in-memory stores.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .tables import clock_views, complaint_views, complaints, timeline_entries
from .views import snapshot_from_json

# What the timeline reads of an entry (not the snapshot kept with it).
ENTRY_COLUMNS = (
    "position",
    "complaint_id",
    "event_id",
    "type",
    "time",
    "source",
    "data",
    "recorded_at",
)


class ComplaintReads(Protocol):
    async def complaint(self, complaint_id: str) -> dict[str, Any] | None:
        """The view row (every column of `complaint_views`) with its `clocks` (rows of
        `clock_views`, by start); a complaint registered but not yet back from the log comes
        back as the bare registration: `complaint_id`, `receiving_unit`, the command `state`
        (JSON, may be None), no clocks and `registered_only`. None: no such complaint."""
        ...

    async def timeline(
        self, complaint_id: str, recorded_by: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The complaint's timeline entries (`ENTRY_COLUMNS`) in log order (`position`); with
        `recorded_by`, only those recorded at or before it."""
        ...

    async def complaint_as_of(self, complaint_id: str, moment: datetime) -> dict[str, Any] | None:
        """The complaint as intake knew it at `moment` (record time): the view and clocks kept
        with the last entry (in log order) recorded at or before it, in the shape `complaint`
        answers; the bare registration (`state` None) when the complaint was registered by then
        but its view was not yet back from the log; `{"complaint_id", "history_missing": True}`
        when that entry was recorded before snapshots were kept. None: not recorded by then."""
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

    async def timeline(
        self, complaint_id: str, recorded_by: datetime | None = None
    ) -> list[dict[str, Any]]:
        t = timeline_entries.c
        query = (
            select(*(t[name] for name in ENTRY_COLUMNS))
            .where(t.complaint_id == complaint_id)
            .order_by(t.position)
        )
        if recorded_by is not None:
            query = query.where(t.recorded_at <= recorded_by)
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
        return [dict(row._mapping) for row in rows]

    async def complaint_as_of(self, complaint_id: str, moment: datetime) -> dict[str, Any] | None:
        t = timeline_entries.c
        async with self.sessions() as session:
            entry = (
                await session.execute(
                    select(t.view_after)
                    .where(t.complaint_id == complaint_id, t.recorded_at <= moment)
                    .order_by(t.position.desc())
                    .limit(1)
                )
            ).first()
            if entry is not None and entry.view_after is None:
                return {"complaint_id": complaint_id, "history_missing": True}
            if entry is not None:
                past = snapshot_from_json(entry.view_after)
                if past.get("received_at") is not None:
                    return past
            registered = (
                await session.execute(
                    select(complaints.c.receiving_unit).where(
                        complaints.c.complaint_id == complaint_id,
                        complaints.c.created_at <= moment,
                    )
                )
            ).first()
        if registered is None:
            return None
        return {
            "complaint_id": complaint_id,
            "receiving_unit": registered.receiving_unit,
            "state": None,
            "clocks": [],
            "registered_only": True,
        }
