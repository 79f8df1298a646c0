"""The reads behind the HTTP API: a complaint's clocks, clocks due soon, breaches.

Every row comes with its complaint's lifecycle state, so that the caller can decide
visibility per complaint; a clock of a complaint without a state is not returned.
`ClockReads` is what the routes use; `SqlClockReads` is it on PostgreSQL (one session per
read), `sla_monitor.testing.fakes.FakeClockReads` in memory.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, Text, any_, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import async_sessionmaker

from complaints_shared.workflow.lifecycle import ComplaintState, from_json

from .clock_store import ClockRow
from .tables import breaches, clocks, complaint_states


@dataclass(frozen=True)
class Row:
    """One clock or breach row (its columns by name) and its complaint's state."""

    values: ClockRow
    state: ComplaintState


class ClockReads(Protocol):
    async def complaint(self, complaint_id: str) -> tuple[ComplaintState | None, list[ClockRow]]:
        """The complaint's state (None when unknown) and its clock rows, by clock name."""
        ...

    async def due(self, owners: Collection[str], until: datetime) -> list[Row]:
        """Running, not yet breached clocks owned by `owners`, due by `until`, soonest first
        (then by complaint id and clock)."""
        ...

    async def breaches(
        self, owners: Collection[str], start: datetime | None, end: datetime | None
    ) -> list[Row]:
        """Breaches of clocks owned by `owners` whose due time lies in [start, end) (either
        bound may be open), by due time, complaint id and clock."""
        ...


class SqlClockReads:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self.sessions = sessions

    async def complaint(self, complaint_id: str) -> tuple[ComplaintState | None, list[ClockRow]]:
        async with self.sessions() as session:
            state = (
                await session.execute(
                    select(complaint_states.c.state).where(
                        complaint_states.c.complaint_id == complaint_id
                    )
                )
            ).scalar()
            if state is None:
                return None, []
            rows = await session.execute(
                select(clocks).where(clocks.c.complaint_id == complaint_id).order_by(clocks.c.clock)
            )
            return from_json(state), [dict(row._mapping) for row in rows]

    async def due(self, owners: Collection[str], until: datetime) -> list[Row]:
        query = (
            select(clocks, complaint_states.c.state.label("_state"))
            .join(complaint_states, complaint_states.c.complaint_id == clocks.c.complaint_id)
            .where(clocks.c.status == "running", clocks.c.breached.is_(False))
            .where(clocks.c.due_at <= until, clocks.c.owner_unit == _any(owners))
            .order_by(clocks.c.due_at, clocks.c.complaint_id, clocks.c.clock)
        )
        return await self._rows(query)

    async def breaches(
        self, owners: Collection[str], start: datetime | None, end: datetime | None
    ) -> list[Row]:
        query = (
            select(breaches, complaint_states.c.state.label("_state"))
            .join(complaint_states, complaint_states.c.complaint_id == breaches.c.complaint_id)
            .where(breaches.c.owner_unit == _any(owners))
            .order_by(breaches.c.due_at, breaches.c.complaint_id, breaches.c.clock)
        )
        if start is not None:
            query = query.where(breaches.c.due_at >= start)
        if end is not None:
            query = query.where(breaches.c.due_at < end)
        return await self._rows(query)

    async def _rows(self, query: Select[Any]) -> list[Row]:
        states: dict[str, ComplaintState] = {}
        rows = []
        async with self.sessions() as session:
            result = (await session.execute(query)).all()
        for row in result:
            values = dict(row._mapping)
            data = values.pop("_state")
            cid = values["complaint_id"]
            if cid not in states:
                states[cid] = from_json(data)
            rows.append(Row(values, states[cid]))
        return rows


def _any(units: Collection[str]) -> Any:
    """`= ANY(:units)` with the units as one array parameter (no limit on their number)."""
    values: Sequence[str] = sorted(units)
    return any_(literal(list(values), ARRAY(Text)))
