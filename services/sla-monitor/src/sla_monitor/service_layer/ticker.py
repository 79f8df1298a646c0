"""The breach ticker: fires `sla.breached` at each running clock's due time.

It reads the next deadline from the partial index on running clocks' due times and sleeps
until then (at most a second, or until a handler signals a new clock), so a breach is in the
outbox well within a second of its due time without scanning every complaint.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import Envelope, derived_id
from complaints_shared.logging import get_logger
from complaints_shared.messaging.outbox import Outbox

from ..adapters.tables import clocks
from .handlers import SOURCE

log = get_logger(__name__)
MAX_SLEEP = 1.0


class BreachTicker:
    def __init__(self, sessions: async_sessionmaker, outbox: Outbox, wake: asyncio.Event) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.wake = wake

    async def run(self) -> None:
        while True:
            try:
                self.wake.clear()
                if await self.fire_due(datetime.now(UTC)):
                    continue
                await self._sleep_until_next_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database away: try again shortly
                log.warning("breach ticker interrupted", error=repr(exc))
                await asyncio.sleep(MAX_SLEEP)

    async def fire_due(self, now: datetime, limit: int = 500) -> int:
        async with self.sessions.begin() as session:
            due = (
                await session.execute(
                    select(clocks)
                    .where(clocks.c.state == "running", clocks.c.due_at <= now)
                    .order_by(clocks.c.due_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in due:
                breached = s.SlaBreached(
                    clock=row.clock, owner_unit=row.owner_unit, due_at=row.due_at
                )
                await session.execute(
                    update(clocks)
                    .where(clocks.c.complaint_id == row.complaint_id, clocks.c.clock == row.clock)
                    .values(state="breached")
                )
                envelope = Envelope(
                    id=derived_id(row.started_event_id, breached.type_name()),
                    source=SOURCE,
                    type=breached.type_name(),
                    subject=row.complaint_id,
                    time=row.due_at,  # a timer event's time is the deadline it marks
                    data=breached.model_dump(mode="json"),
                    causation_id=row.started_event_id,
                    correlation_id=row.started_event_id,
                )
                await self.outbox.append(session, [envelope])
        return len(due)

    async def _sleep_until_next_due(self) -> None:
        async with self.sessions() as session:
            next_due = (
                await session.execute(
                    select(func.min(clocks.c.due_at)).where(clocks.c.state == "running")
                )
            ).scalar()
        delay = MAX_SLEEP
        if next_due is not None:
            delay = min(MAX_SLEEP, max(0.0, (next_due - datetime.now(UTC)).total_seconds()))
        try:
            await asyncio.wait_for(self.wake.wait(), timeout=delay)
        except TimeoutError:
            pass
