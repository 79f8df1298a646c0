"""The worklist query: filtered, ordered and paged in SQL, only what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, exists, literal, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Text

from complaints_shared.workflow.visibility import Sight

from .tables import clock_views, complaint_views
from .views import LIVE_CLOCK_STATES

v = complaint_views.c


@dataclass(frozen=True)
class WorklistFilter:
    statuses: tuple[str, ...]
    owner_unit: str | None = None
    awaiting: str | None = None
    receiving_unit: str | None = None
    handler: str | None = None
    due_before: datetime | None = None


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last item's next due time (None: no running clock) and id."""

    due_at: datetime | None
    complaint_id: str


class AbstractWorklist(Protocol):
    async def page(
        self, sight: Sight, wanted: WorklistFilter, after: Position | None, limit: int
    ) -> list[dict[str, Any]]: ...


def visible_to(sight: Sight) -> ColumnElement[bool]:
    """The shared visibility rule as a predicate (served by the GIN indexes)."""
    if sight.everything:
        return true()
    units = literal(sorted(sight.units), ARRAY(Text))
    seen = v.units_involved.op("&&")(units)
    if not sight.provinces:
        return seen
    provinces = literal(sorted(sight.provinces), ARRAY(Text))
    return or_(seen, and_(v.restricted.is_(False), v.provinces.op("&&")(provinces)))


def _after(position: Position) -> ColumnElement[bool]:
    if position.due_at is None:
        return and_(v.next_due_at.is_(None), v.complaint_id > position.complaint_id)
    return or_(
        v.next_due_at > position.due_at,
        and_(v.next_due_at == position.due_at, v.complaint_id > position.complaint_id),
        v.next_due_at.is_(None),
    )


def _awaiting(unit: str) -> ColumnElement[bool]:
    clocks = clock_views.c
    return exists().where(
        clocks.complaint_id == v.complaint_id,
        clocks.owner_unit == unit,
        clocks.state.in_(LIVE_CLOCK_STATES),
    )


class SqlWorklist:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self.sessions = sessions

    async def page(
        self, sight: Sight, wanted: WorklistFilter, after: Position | None, limit: int
    ) -> list[dict[str, Any]]:
        query = (
            select(
                v.complaint_id,
                v.status,
                v.owner_unit,
                v.handling_level,
                v.receiving_unit,
                v.business_line,
                v.category,
                v.channel,
                v.received_at,
                v.handler,
                v.next_due,
                v.next_due_at,
            )
            .where(v.received_at.is_not(None), v.status.in_(wanted.statuses), visible_to(sight))
            .order_by(v.next_due_at.asc().nulls_last(), v.complaint_id)
            .limit(limit)
        )
        for column, value in (
            (v.owner_unit, wanted.owner_unit),
            (v.receiving_unit, wanted.receiving_unit),
            (v.handler_id, wanted.handler),
        ):
            if value is not None:
                query = query.where(column == value)
        if wanted.awaiting is not None:
            query = query.where(_awaiting(wanted.awaiting))
        if wanted.due_before is not None:
            query = query.where(v.next_due_at < wanted.due_before)
        if after is not None:
            query = query.where(_after(after))
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
        return [dict(row._mapping) for row in rows]
