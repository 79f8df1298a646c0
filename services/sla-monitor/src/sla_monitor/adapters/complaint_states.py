"""Each complaint's shared lifecycle state (`complaint_states`, JSONB), folded from the log.

`ComplaintStates` is what the lifecycle fold and the clock handler use inside the consumer's
transaction, and the breach ticker inside its own (who the handler is, for attribution);
`SqlComplaintStates` is it on PostgreSQL, `sla_monitor.testing.fakes.FakeComplaintStates`
in memory.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.workflow.lifecycle import ComplaintState, from_json, to_json

from .tables import complaint_states


class ComplaintStates(Protocol):
    async def load_for_update(self, complaint_id: str) -> ComplaintState:
        """The complaint's state, locked for this transaction (a fresh state when unknown)."""
        ...

    async def load_many(self, complaint_ids: Collection[str]) -> dict[str, ComplaintState]:
        """The states of those complaints that have one, by complaint id, without locking."""
        ...

    async def save(self, complaint_id: str, state: ComplaintState) -> None:
        """Insert or replace the complaint's state."""
        ...


class SqlComplaintStates:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load_for_update(self, complaint_id: str) -> ComplaintState:
        row = (
            await self.session.execute(
                select(complaint_states.c.state)
                .where(complaint_states.c.complaint_id == complaint_id)
                .with_for_update()
            )
        ).first()
        return from_json(row.state) if row else ComplaintState()

    async def load_many(self, complaint_ids: Collection[str]) -> dict[str, ComplaintState]:
        if not complaint_ids:
            return {}
        rows = await self.session.execute(
            select(complaint_states.c.complaint_id, complaint_states.c.state).where(
                complaint_states.c.complaint_id.in_(sorted(complaint_ids))
            )
        )
        return {row.complaint_id: from_json(row.state) for row in rows}

    async def save(self, complaint_id: str, state: ComplaintState) -> None:
        data = to_json(state)
        await self.session.execute(
            insert(complaint_states)
            .values(complaint_id=complaint_id, state=data)
            .on_conflict_do_update(index_elements=["complaint_id"], set_={"state": data})
        )
