"""The read model's rows: complaint views, clock views and timeline entries (SQL only).

`ViewStore` is what the projection needs; `SqlViews` keeps it in PostgreSQL within the
consumer's transaction, `intake.testing.FakeViews` in memory for handler tests.

Each timeline entry keeps `view_after`, the complaint's view and clocks right after its event
(`snapshot_json`), which `?as_of=` reads back (`snapshot_from_json`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, literal_column, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from complaints_shared.workflow.lifecycle import ComplaintState, from_json

from .tables import clock_views, complaint_views, timeline_entries

LIVE_CLOCK_STATES = ("running", "breached")
INFINITY: ColumnElement[datetime] = literal_column(
    "'infinity'::timestamptz"
)  # due_order of a complaint without a clock


ERASED_JSON = '{"erased": true}'  # the customer once its personal data is erased

# What a snapshot leaves out of the view: the sort key ('infinity' is no JSON time).
_NOT_SNAPSHOTTED = frozenset({"due_order"})
_VIEW_TIMES = ("received_at", "updated_at", "next_due_at")
_CLOCK_TIMES = ("started_at", "due_at", "updated_at")


def snapshot_json(view: Mapping[str, Any], clocks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The view row and its clock rows (by start) as JSON: times as ISO 8601 strings."""
    return {
        "view": {
            key: _json_time(value) if key in _VIEW_TIMES else value
            for key, value in view.items()
            if key not in _NOT_SNAPSHOTTED
        },
        "clocks": [
            {key: _json_time(value) if key in _CLOCK_TIMES else value for key, value in c.items()}
            for c in clocks
        ],
    }


def snapshot_from_json(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """A snapshot back as `ComplaintReads.complaint` answers: the view's columns (times as
    datetimes) with its `clocks`."""
    view = {
        key: _time(value) if key in _VIEW_TIMES else value
        for key, value in snapshot["view"].items()
    }
    clocks = [
        {key: _time(value) if key in _CLOCK_TIMES else value for key, value in clock.items()}
        for clock in snapshot["clocks"]
    ]
    return {**view, "clocks": clocks}


def _json_time(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _time(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class ViewStore(Protocol):
    async def add_timeline_entry(self, **values: Any) -> None:
        """A row of `timeline_entries` (its `position` is given by the store, in log order;
        `recorded_at`, unless given, is the time of recording)."""
        ...

    async def snapshot(self, complaint_id: str) -> dict[str, Any] | None:
        """The complaint's view and clocks as they are now, as `snapshot_json` (None: no
        view)."""
        ...

    async def lock_state(self, complaint_id: str) -> ComplaintState | None:
        """The folded state kept on the view, the row locked; None: no view yet."""
        ...

    async def upsert_view(self, complaint_id: str, values: dict[str, Any]) -> None:
        """Create the view with `values` (other columns at their defaults) or change those."""
        ...

    async def upsert_clock(self, complaint_id: str, clock: str, values: dict[str, Any]) -> None:
        """Likewise for one clock of the complaint (a new clock is `running`)."""
        ...

    async def forget_customer(self, complaint_id: str) -> None:
        """Erasure: the view's customer becomes `{"erased": true}`, and so does the customer of
        the complaint's received entry (its summary and what it asks for, from records of
        version 1, dropped) and of every snapshot (`view_after`) kept before."""
        ...

    async def refresh_next_due(self, complaint_id: str) -> None:
        """Put the earliest running or breached clock with a due time on the view: `next_due`
        (due time in UTC), `next_due_at`, and `due_order` ('infinity' without one)."""
        ...


class SqlViews:
    """The `ViewStore` in PostgreSQL, inside the session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_timeline_entry(self, **values: Any) -> None:
        await self.session.execute(insert(timeline_entries).values(**values))

    async def snapshot(self, complaint_id: str) -> dict[str, Any] | None:
        view = (
            await self.session.execute(
                select(complaint_views).where(complaint_views.c.complaint_id == complaint_id)
            )
        ).first()
        if view is None:
            return None
        clocks = (
            await self.session.execute(
                select(clock_views)
                .where(clock_views.c.complaint_id == complaint_id)
                .order_by(clock_views.c.started_at, clock_views.c.clock)
            )
        ).all()
        return snapshot_json(dict(view._mapping), [dict(row._mapping) for row in clocks])

    async def lock_state(self, complaint_id: str) -> ComplaintState | None:
        """The complaint's folded state, its view row locked; None when there is no row yet."""
        row = (
            await self.session.execute(
                select(complaint_views.c.state)
                .where(complaint_views.c.complaint_id == complaint_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        return from_json(row.state) if row.state else ComplaintState()

    async def upsert_view(self, complaint_id: str, values: dict[str, Any]) -> None:
        values = {**values, "updated_at": func.now()}
        statement = insert(complaint_views).values(complaint_id=complaint_id, **values)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["complaint_id"], set_=values)
        )

    async def upsert_clock(self, complaint_id: str, clock: str, values: dict[str, Any]) -> None:
        values = {**values, "updated_at": func.now()}
        statement = insert(clock_views).values(
            complaint_id=complaint_id, clock=clock, **{"state": "running", **values}
        )
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["complaint_id", "clock"], set_=values)
        )

    async def forget_customer(self, complaint_id: str) -> None:
        erased = literal_column(f"'{ERASED_JSON}'::jsonb", JSONB)
        await self.session.execute(
            update(complaint_views)
            .where(complaint_views.c.complaint_id == complaint_id)
            .values(customer=erased)
        )
        t = timeline_entries.c
        received = t.data.op("-")(literal_column("ARRAY['summary','asks_for','sealed']::text[]"))
        await self.session.execute(
            update(timeline_entries)
            .where(t.complaint_id == complaint_id, t.type == "complaint.received")
            .values(data=func.jsonb_set(received, literal_column("'{customer}'"), erased))
        )
        await self.session.execute(
            update(timeline_entries)
            .where(t.complaint_id == complaint_id, t.view_after.is_not(None))
            .values(
                view_after=func.jsonb_set(
                    t.view_after, literal_column("'{view,customer}'"), erased, False
                )
            )
        )

    async def refresh_next_due(self, complaint_id: str) -> None:
        """Keep the complaint's earliest running or breached clock on its view (worklist
        order)."""
        c = clock_views.c
        earliest = (
            await self.session.execute(
                select(c.clock, c.due_at, c.state, c.owner_unit)
                .where(
                    c.complaint_id == complaint_id,
                    c.state.in_(LIVE_CLOCK_STATES),
                    c.due_at.is_not(None),
                )
                .order_by(c.due_at, c.clock)
                .limit(1)
            )
        ).first()
        next_due = (
            None
            if earliest is None
            else {
                "clock": earliest.clock,
                "due_at": earliest.due_at.isoformat(),
                "state": earliest.state,
                "owner_unit": earliest.owner_unit,
            }
        )
        await self.session.execute(
            update(complaint_views)
            .where(complaint_views.c.complaint_id == complaint_id)
            .values(
                next_due_at=earliest.due_at if earliest else None,
                due_order=earliest.due_at if earliest else INFINITY,
                next_due=next_due,
            )
        )
