"""Persisting each complaint's shared lifecycle state (`complaint_states`, JSONB)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.workflow.lifecycle import ComplaintState, from_json, to_json

from .tables import complaint_states


async def load_for_update(session: AsyncSession, complaint_id: str) -> ComplaintState:
    """The complaint's state, locked for this transaction (a fresh state when unknown)."""
    row = (
        await session.execute(
            select(complaint_states.c.state)
            .where(complaint_states.c.complaint_id == complaint_id)
            .with_for_update()
        )
    ).first()
    return from_json(row.state) if row else ComplaintState()


async def save(session: AsyncSession, complaint_id: str, state: ComplaintState) -> None:
    data = to_json(state)
    await session.execute(
        insert(complaint_states)
        .values(complaint_id=complaint_id, state=data)
        .on_conflict_do_update(index_elements=["complaint_id"], set_={"state": data})
    )


async def save_many(session: AsyncSession, states: dict[str, ComplaintState]) -> None:
    """Insert (or replace) many states at once, for a rebuild."""
    rows = [{"complaint_id": cid, "state": to_json(state)} for cid, state in states.items()]
    for start in range(0, len(rows), 1000):
        statement = insert(complaint_states)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["complaint_id"], set_={"state": statement.excluded.state}
            ),
            rows[start : start + 1000],
        )
