"""What a rebuild of the whole projection needs besides `ClockStore`: the fingerprint of the
rules it was computed with (`projection_meta`), wiping it, the complaint states in bulk, and
marking the rebuilt events as processed (`processed_events`).

`ProjectionStore` runs inside the caller's transaction; `SqlProjectionStore` is it on
PostgreSQL, `sla_monitor.testing.fakes.FakeProjectionStore` in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.messaging.inbox import Inbox
from complaints_shared.workflow.lifecycle import ComplaintState, to_json

from .clock_store import ClockRow
from .tables import breaches, clocks, complaint_clocks, complaint_states, projection_meta

FINGERPRINT = "fingerprint"
_BATCH = 1000
# A running clock's due time, by (complaint id, clock, run).
DueTimes = dict[tuple[str, str, int], datetime]


class ProjectionStore(Protocol):
    async def fingerprint(self) -> str | None:
        """The fingerprint of the policy and calendars the projection was computed with."""
        ...

    async def set_fingerprint(self, value: str) -> None: ...

    async def has_clocks(self) -> bool:
        """Whether any complaint has clocks."""
        ...

    async def has_complaint_states(self) -> bool:
        """Whether any complaint has a lifecycle state."""
        ...

    async def running_due_times(self) -> DueTimes:
        """The due time of every running clock."""
        ...

    async def all_clock_rows(self) -> dict[tuple[str, str], ClockRow]:
        """Every flattened clock, by (complaint id, clock)."""
        ...

    async def clear(self) -> None:
        """Delete every complaint's clocks, breaches and lifecycle state (not the fingerprint)."""
        ...

    async def save_complaint_states(self, states: Mapping[str, ComplaintState]) -> None:
        """Insert or replace many lifecycle states at once."""
        ...

    async def mark_applied(self, event_ids: Sequence[str]) -> None:
        """Record the events as processed by this service's consumer (again is no error)."""
        ...


class SqlProjectionStore:
    def __init__(self, session: AsyncSession, inbox: Inbox) -> None:
        self.session = session
        self.inbox = inbox

    async def fingerprint(self) -> str | None:
        value: str | None = (
            await self.session.execute(
                select(projection_meta.c.value).where(projection_meta.c.key == FINGERPRINT)
            )
        ).scalar()
        return value

    async def set_fingerprint(self, value: str) -> None:
        await self.session.execute(
            insert(projection_meta)
            .values(key=FINGERPRINT, value=value)
            .on_conflict_do_update(index_elements=["key"], set_={"value": value})
        )

    async def has_clocks(self) -> bool:
        query = select(complaint_clocks.c.complaint_id).limit(1)
        return (await self.session.execute(query)).first() is not None

    async def has_complaint_states(self) -> bool:
        query = select(complaint_states.c.complaint_id).limit(1)
        return (await self.session.execute(query)).first() is not None

    async def running_due_times(self) -> DueTimes:
        rows = await self.session.execute(select(clocks).where(clocks.c.status == "running"))
        return {(row.complaint_id, row.clock, row.run): row.due_at for row in rows}

    async def all_clock_rows(self) -> dict[tuple[str, str], ClockRow]:
        rows = await self.session.execute(select(clocks))
        return {(row.complaint_id, row.clock): dict(row._mapping) for row in rows}

    async def clear(self) -> None:
        for table in (complaint_clocks, clocks, breaches, complaint_states):
            await self.session.execute(delete(table))

    async def save_complaint_states(self, states: Mapping[str, ComplaintState]) -> None:
        rows = [{"complaint_id": cid, "state": to_json(state)} for cid, state in states.items()]
        for start in range(0, len(rows), _BATCH):
            statement = insert(complaint_states)
            await self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["complaint_id"], set_={"state": statement.excluded.state}
                ),
                rows[start : start + _BATCH],
            )

    async def mark_applied(self, event_ids: Sequence[str]) -> None:
        if event_ids:
            await self.session.execute(
                insert(self.inbox.table).on_conflict_do_nothing(),
                [{"consumer": self.inbox.consumer, "event_id": i} for i in event_ids],
            )
