"""Persisting one complaint's clock state, flattened rows for the API, and breaches."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..adapters.tables import breaches, clocks, complaint_clocks
from ..domain import clocks as k


async def load(session: AsyncSession, complaint_id: str) -> k.ComplaintClocks:
    row = (
        await session.execute(
            select(complaint_clocks.c.state)
            .where(complaint_clocks.c.complaint_id == complaint_id)
            .with_for_update()
        )
    ).first()
    return k.from_json(row.state) if row else k.ComplaintClocks()


def clock_rows(complaint_id: str, state: k.ComplaintClocks, calendars: k.Calendars) -> list[dict]:
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
            }
        )
    return rows


async def save(
    session: AsyncSession,
    complaint_id: str,
    partition: int,
    state: k.ComplaintClocks,
    effects: list[k.ClockEffect],
    calendars: k.Calendars,
) -> None:
    values = {
        "partition": partition,
        "state": k.to_json(state),
        "next_timer": k.next_timer(state),
    }
    await session.execute(
        insert(complaint_clocks)
        .values(complaint_id=complaint_id, **values)
        .on_conflict_do_update(index_elements=["complaint_id"], set_=values)
    )
    await session.execute(delete(clocks).where(clocks.c.complaint_id == complaint_id))
    rows = clock_rows(complaint_id, state, calendars)
    if rows:
        await session.execute(insert(clocks), rows)
    breached = [
        {
            "complaint_id": complaint_id,
            "clock": e.clock,
            "run": e.run,
            "owner_unit": e.owner,
            "due_at": e.due_at,
        }
        for e in effects
        if isinstance(e, k.ClockBreached)
    ]
    if breached:
        await session.execute(insert(breaches).on_conflict_do_nothing(), breached)
