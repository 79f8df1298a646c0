"""The worklist query: filtered, ordered and paged in SQL, only what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import DateTime, Select, and_, exists, literal, or_, select, true, tuple_, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Text

from complaints_shared.workflow.visibility import Sight

from .tables import clock_views, complaint_views
from .views import INFINITY, LIVE_CLOCK_STATES

v = complaint_views.c
DISSATISFIED = (1, 2)  # the satisfaction of a dissatisfied customer's latest return visit


@dataclass(frozen=True)
class WorklistFilter:
    statuses: tuple[str, ...]
    owner_unit: str | None = None
    # A unit: its live clocks, and the extension requests it may decide.
    awaiting: str | None = None
    receiving_unit: str | None = None
    handler: str | None = None
    due_before: datetime | None = None
    # Only complaints whose latest return visit found the customer dissatisfied.
    dissatisfied: bool = False


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last item's next due time (None: no running clock) and id."""

    due_at: datetime | None
    complaint_id: str


class Worklist(Protocol):
    async def page(
        self, sight: Sight, wanted: WorklistFilter, after: Position | None, limit: int
    ) -> list[dict[str, Any]]:
        """The first `limit` complaints after `after` the caller may see (`visible_to`) that
        `wanted` selects, by (due_order, complaint_id): the earliest live clock first, those
        without one last. Only complaints back from the log (`received_at` set)."""
        ...


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
    due = INFINITY if position.due_at is None else literal(position.due_at, DateTime(True))
    return tuple_(v.due_order, v.complaint_id) > tuple_(due, literal(position.complaint_id))


def _awaiting(unit: str) -> ColumnElement[bool]:
    """A running or breached clock the unit owns, or a pending extension request it may decide
    (`@>`: the GIN index on `extension_deciders` serves it)."""
    clocks = clock_views.c
    owns_a_live_clock = exists().where(
        clocks.complaint_id == v.complaint_id,
        clocks.owner_unit == unit,
        clocks.state.in_(LIVE_CLOCK_STATES),
    )
    decides = v.extension_deciders.op("@>")(literal([unit], ARRAY(Text)))
    return or_(owns_a_live_clock, decides)


_COLUMNS = (
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
    v.due_order,
)


def _one_status(
    status: str, sight: Sight, wanted: WorklistFilter, after: Position | None, limit: int
) -> Select[Any]:
    """The first `limit` items of one status, in worklist order (an index range scan)."""
    query = (
        select(*_COLUMNS)
        .where(v.status == status, v.received_at.is_not(None), visible_to(sight))
        .order_by(v.due_order, v.complaint_id)
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
    if wanted.dissatisfied:
        query = query.where(v.satisfaction.in_(DISSATISFIED))
    if after is not None:
        query = query.where(_after(after))
    return query


class SqlWorklist:
    """One ordered, limited scan per status, merged: each reads at most a page from the
    (status, due_order, complaint_id) index, however many rows of other statuses lie between."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def page(
        self, sight: Sight, wanted: WorklistFilter, after: Position | None, limit: int
    ) -> list[dict[str, Any]]:
        parts = [_one_status(s, sight, wanted, after, limit) for s in wanted.statuses]
        if not parts:
            return []
        merged = union_all(*parts).subquery()
        query = (
            select(*(merged.c[column.name] for column in _COLUMNS[:-1]))
            .order_by(merged.c.due_order, merged.c.complaint_id)
            .limit(limit)
        )
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
        return [dict(row._mapping) for row in rows]
