"""The SLA monitor's metrics: warnings and breaches fired, clocks running and breached.

The counters are incremented where the effects are turned into events (the handler and the
breach ticker; a rebuild's re-derived effects are not counted). A transaction that rolls back
and is tried again counts its effects again. The gauges are read from the `clocks` table every
`GAUGE_SECONDS` by every instance: each reports the whole database, so aggregate with `max`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from prometheus_client import Counter, Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.messaging.loops import retry_forever

from ..adapters.tables import clocks
from ..domain import clocks as k

GAUGE_SECONDS = 15.0
WARNINGS = Counter("sla_warnings_total", "SLA warnings fired", ["clock", "level"])
BREACHES = Counter("sla_breaches_total", "SLA breaches fired", ["clock", "level"])
CLOCKS_RUNNING = Gauge("sla_clocks_running", "Clocks running now")
CLOCKS_BREACHED = Gauge("sla_clocks_breached", "Running clocks that have breached")


def count_fired(effects: Sequence[k.ClockEffect], state: k.ComplaintClocks) -> None:
    """Count the warnings and breaches among `effects`, by clock and handling level."""
    for effect in effects:
        if isinstance(effect, k.ClockWarning | k.ClockBreach):
            clock = state.clock(effect.clock)
            level = (clock.level if clock is not None else None) or "none"
            counter = WARNINGS if isinstance(effect, k.ClockWarning) else BREACHES
            counter.labels(effect.clock, level).inc()


async def measure_clocks(session: AsyncSession) -> None:
    running = clocks.c.status == "running"
    row = (
        await session.execute(
            select(
                func.count().filter(running),
                func.count().filter(running & clocks.c.breached),
            )
        )
    ).one()
    CLOCKS_RUNNING.set(row[0])
    CLOCKS_BREACHED.set(row[1])


async def clock_gauges(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Refresh the clock gauges until cancelled."""

    async def refresh() -> None:
        async with sessions() as session:
            await measure_clocks(session)
        await asyncio.sleep(GAUGE_SECONDS)

    await retry_forever(refresh, what="clock gauges")
