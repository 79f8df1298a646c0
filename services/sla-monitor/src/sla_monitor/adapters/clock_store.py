"""The clock projection: each complaint's fold state and next timer (`complaint_clocks`), its
clocks flattened for the API (`clocks`), and every breach (`breaches`).

`ClockStore` is what the event handlers and the breach ticker use, always inside the caller's
transaction; `SqlClockStore` is it on PostgreSQL, `sla_monitor.testing.fakes.FakeClockStore`
in memory.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import clocks as k
from .tables import breaches, clocks, complaint_clocks

# One row of `clocks` (or `breaches`), its columns by name.
ClockRow = dict[str, Any]


@dataclass(frozen=True)
class DueComplaint:
    """A complaint with a warning or breach due, claimed by the breach ticker."""

    complaint_id: str
    partition: int
    state: k.ComplaintClocks


class ClockStore(Protocol):
    async def load(self, complaint_id: str) -> k.ComplaintClocks:
        """The complaint's clocks, locked until the transaction ends (none yet if unknown)."""
        ...

    async def save(
        self,
        complaint_id: str,
        partition: int,
        state: k.ComplaintClocks,
        effects: Sequence[k.ClockEffect],
        calendars: k.Calendars,
    ) -> None:
        """Store the state and its next timer, replace the complaint's flattened clocks, and
        record each breach among `effects` with its handler (one already recorded is kept as
        it was)."""
        ...

    async def claim_due(
        self, partitions: Collection[int], now: datetime, limit: int
    ) -> list[DueComplaint]:
        """Up to `limit` complaints of `partitions` whose next timer is at or before `now`,
        earliest first, locked until the transaction ends; a complaint another transaction
        holds is skipped, so two tickers never fire the same one."""
        ...

    async def next_timer(self, partitions: Collection[int]) -> datetime | None:
        """The earliest next timer of the complaints of `partitions`."""
        ...


def clock_rows(
    complaint_id: str, state: k.ComplaintClocks, calendars: k.Calendars
) -> list[ClockRow]:
    """The complaint's clocks as rows of `clocks`; a paused clock shows the working time it has
    left and the due time it would have if resumed the moment it paused. An extended clock
    shows the due time it had before its first approved extension, and how many it had."""
    rows = []
    for clock in state.clocks.values():
        paused = clock.status == "paused"
        rows.append(
            {
                "complaint_id": complaint_id,
                "clock": clock.name,
                "run": clock.run,
                "owner_unit": clock.owner,
                "status": clock.status,
                "breached": clock.breached,
                "started_at": clock.started_at,
                "due_at": k.projected_due(clock, clock.since, calendars)
                if paused
                else clock.due_at,
                "remaining_seconds": int((clock.budget - clock.used).total_seconds())
                if paused
                else None,
                "budget_seconds": int(clock.budget.total_seconds()),
                "calendar": clock.calendar,
                "handling_level": clock.level,
                "original_due_at": clock.original_due_at,
                "extensions": clock.extensions,
            }
        )
    return rows


def breach_rows(complaint_id: str, effects: Sequence[k.ClockEffect]) -> list[ClockRow]:
    """The rows of `breaches` for the breaches among `effects`, each with the handler it is
    attributed to."""
    return [
        {
            "complaint_id": complaint_id,
            "clock": effect.clock,
            "run": effect.run,
            "owner_unit": effect.owner,
            "due_at": effect.due_at,
            "handler_id": effect.handler.id if effect.handler is not None else None,
            "handler_name": effect.handler.name if effect.handler is not None else None,
        }
        for effect in effects
        if isinstance(effect, k.ClockBreach)
    ]


class SqlClockStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, complaint_id: str) -> k.ComplaintClocks:
        row = (
            await self.session.execute(
                select(complaint_clocks.c.state)
                .where(complaint_clocks.c.complaint_id == complaint_id)
                .with_for_update()
            )
        ).first()
        return k.from_json(row.state) if row else k.ComplaintClocks()

    async def save(
        self,
        complaint_id: str,
        partition: int,
        state: k.ComplaintClocks,
        effects: Sequence[k.ClockEffect],
        calendars: k.Calendars,
    ) -> None:
        values = {
            "partition": partition,
            "state": k.to_json(state),
            "next_timer": k.next_timer(state),
        }
        await self.session.execute(
            insert(complaint_clocks)
            .values(complaint_id=complaint_id, **values)
            .on_conflict_do_update(index_elements=["complaint_id"], set_=values)
        )
        await self.session.execute(delete(clocks).where(clocks.c.complaint_id == complaint_id))
        rows = clock_rows(complaint_id, state, calendars)
        if rows:
            await self.session.execute(insert(clocks), rows)
        breached = breach_rows(complaint_id, effects)
        if breached:
            await self.session.execute(insert(breaches).on_conflict_do_nothing(), breached)

    async def claim_due(
        self, partitions: Collection[int], now: datetime, limit: int
    ) -> list[DueComplaint]:
        t = complaint_clocks.c
        rows = await self.session.execute(
            select(t.complaint_id, t.partition, t.state)
            .where(t.next_timer <= now, t.partition.in_(sorted(partitions)))
            .order_by(t.next_timer)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [
            DueComplaint(row.complaint_id, row.partition, k.from_json(row.state)) for row in rows
        ]

    async def next_timer(self, partitions: Collection[int]) -> datetime | None:
        t = complaint_clocks.c
        earliest: datetime | None = (
            await self.session.execute(
                select(func.min(t.next_timer)).where(t.partition.in_(sorted(partitions)))
            )
        ).scalar()
        return earliest
