"""The breach ticker: fires warnings and breaches at the instants they mark.

It reads the earliest next timer of its complaints and sleeps until then (at most a second, or
until a handler signals that a deadline moved), so a breach reaches the outbox well within a
second of its due time. Each instance fires only complaints of the partitions its consumer
owns, so with several instances no deadline fires twice. What it fires is attributed to each
complaint's handler as its lifecycle state tells it now.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from complaints_shared.messaging.loops import retry_forever, wait_for_wake

from ..adapters.stores import Stores
from ..domain import clocks as k
from .metrics import count_fired
from .translate import effect_envelopes

MAX_SLEEP = 1.0
BATCH = 500  # complaints fired per transaction


def seconds_until(next_timer: datetime | None, now: datetime) -> float:
    """How long to sleep before the next timer: never more than MAX_SLEEP, never negative."""
    if next_timer is None:
        return MAX_SLEEP
    return min(MAX_SLEEP, max(0.0, (next_timer - now).total_seconds()))


class BreachTicker:
    def __init__(
        self,
        stores: Stores,
        policy: k.ClockPolicy,
        calendars: k.Calendars,
        owned_partitions: Callable[[], frozenset[int]],
        wake: asyncio.Event,
    ) -> None:
        self.stores = stores
        self.policy = policy
        self.calendars = calendars
        self.owned_partitions = owned_partitions
        self.wake = wake

    async def run(self) -> None:
        """Tick until cancelled; with the database away, try again within MAX_SLEEP."""
        await retry_forever(self.tick, what="breach ticker", longest_pause=MAX_SLEEP)

    async def tick(self) -> None:
        """Fire what is due; if nothing was, wait for the next timer or a wake-up."""
        if await self.fire_due(datetime.now(UTC)):
            return  # there may be more due: go again at once
        await wait_for_wake(self.wake, await self.seconds_to_next_timer())

    async def fire_due(self, now: datetime, limit: int = BATCH) -> int:
        """Fire the timers due by `now` of up to `limit` complaints of the owned partitions, in
        one transaction; the number of complaints fired."""
        owned = self.owned_partitions()
        if not owned:
            return 0
        async with self.stores.transaction() as session:
            clocks = self.stores.clocks(session)
            due = await clocks.claim_due(owned, now, limit)
            lifecycles = await self.stores.complaint_states(session).load_many(
                [complaint.complaint_id for complaint in due]
            )
            for complaint in due:
                cid = complaint.complaint_id
                lifecycle = lifecycles.get(cid)
                state, effects = k.decide(
                    complaint.state,
                    k.TimerTick(now),
                    self.policy,
                    self.calendars,
                    handler=lifecycle.handler if lifecycle is not None else None,
                )
                await clocks.save(cid, complaint.partition, state, effects, self.calendars)
                count_fired(effects, state)
                envelopes = effect_envelopes(cid, effects, None, state, self.calendars)
                await self.stores.outbox.append(session, envelopes)
        return len(due)

    async def seconds_to_next_timer(self) -> float:
        owned = self.owned_partitions()
        next_timer = None
        if owned:
            async with self.stores.transaction() as session:
                next_timer = await self.stores.clocks(session).next_timer(owned)
        return seconds_until(next_timer, datetime.now(UTC))
