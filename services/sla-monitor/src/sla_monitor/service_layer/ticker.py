"""The breach ticker: fires warnings and breaches at the instants they mark.

It reads the earliest `next_timer` from its index and sleeps until then (at most a second, or
until a handler signals that a deadline moved), so a breach reaches the outbox well within a
second of its due time. Each instance fires only complaints of the partitions its consumer
owns, so with several instances no deadline fires twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from complaints_shared.logging import get_logger
from complaints_shared.messaging.outbox import Outbox

from ..adapters.tables import complaint_clocks
from ..domain import clocks as k
from . import clock_store
from .translate import effect_envelopes

log = get_logger(__name__)
MAX_SLEEP = 1.0


class BreachTicker:
    def __init__(
        self,
        sessions: async_sessionmaker,
        outbox: Outbox,
        policy: k.ClockPolicy,
        calendars: k.Calendars,
        owned_partitions: Callable[[], frozenset[int]],
        wake: asyncio.Event,
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.policy = policy
        self.calendars = calendars
        self.owned_partitions = owned_partitions
        self.wake = wake

    async def run(self) -> None:
        while True:
            try:
                self.wake.clear()
                if await self.fire_due(datetime.now(UTC)):
                    continue
                await self._sleep_until_next_timer()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database away: try again shortly
                log.warning("breach ticker interrupted", error=repr(exc))
                await asyncio.sleep(MAX_SLEEP)

    async def fire_due(self, now: datetime, limit: int = 500) -> int:
        owned = self.owned_partitions()
        if not owned:
            return 0
        t = complaint_clocks.c
        async with self.sessions.begin() as session:
            due = (
                await session.execute(
                    select(t.complaint_id, t.partition, t.state)
                    .where(t.next_timer <= now, t.partition.in_(sorted(owned)))
                    .order_by(t.next_timer)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in due:
                state, effects = k.decide(
                    k.from_json(row.state), k.TimerTick(now), self.policy, self.calendars
                )
                await clock_store.save(
                    session, row.complaint_id, row.partition, state, effects, self.calendars
                )
                await self.outbox.append(
                    session,
                    effect_envelopes(row.complaint_id, effects, None, state, self.calendars),
                )
        return len(due)

    async def _sleep_until_next_timer(self) -> None:
        owned = self.owned_partitions()
        next_timer = None
        if owned:
            async with self.sessions() as session:
                next_timer = (
                    await session.execute(
                        select(func.min(complaint_clocks.c.next_timer)).where(
                            complaint_clocks.c.partition.in_(sorted(owned))
                        )
                    )
                ).scalar()
        delay = MAX_SLEEP
        if next_timer is not None:
            delay = min(MAX_SLEEP, max(0.0, (next_timer - datetime.now(UTC)).total_seconds()))
        try:
            await asyncio.wait_for(self.wake.wait(), timeout=delay)
        except TimeoutError:
            pass
