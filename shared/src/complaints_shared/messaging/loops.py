"""The two shapes every background loop shares: retry forever, and wake on NOTIFY.

- `retry_forever` runs a loop body until cancelled; an exception (the broker or the database
  away) is logged and waited out with exponential backoff, never given up on.
- `listening` holds a PostgreSQL connection that LISTENs on a channel and sets an event on
  each notification. LISTEN/NOTIFY is a wake-up, not a queue: callers keep a slow poll too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg

from ..db import asyncpg_connect_args
from ..logging import get_logger

log = get_logger(__name__)


async def retry_forever(
    body: Callable[[], Awaitable[None]],
    *,
    what: str,
    on_failure: Callable[[], Awaitable[None]] | None = None,
    first_pause: float = 0.2,
    longest_pause: float = 5.0,
) -> None:
    """Run `body` again and again until cancelled. A failure is logged as `what interrupted`,
    `on_failure` runs (to drop a broken client, say), and the next try waits, doubling up to
    `longest_pause`; a body that returns normally resets the pause."""
    pause = first_pause
    while True:
        try:
            await body()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever broke, try again
            log.warning(f"{what} interrupted", error=repr(exc), retry_in=pause)
            if on_failure is not None:
                await on_failure()
            await asyncio.sleep(pause)
            pause = min(pause * 2, longest_pause)
        else:
            pause = first_pause


@contextlib.asynccontextmanager
async def listening(
    database_url: str, channel: str, wake: asyncio.Event
) -> AsyncIterator[asyncpg.Connection]:
    """A connection LISTENing on `channel` that sets `wake` on every notification; closed on
    exit. Use the connection to notice it died (`SELECT 1`) or for session-level locks."""
    conn = await asyncpg.connect(**asyncpg_connect_args(database_url))
    try:
        await conn.add_listener(channel, lambda *_: wake.set())
        yield conn
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.close(), timeout=2)


async def wait_for_wake(wake: asyncio.Event, seconds: float) -> bool:
    """Wait until `wake` is set or `seconds` pass; True when woken. Clears it either way."""
    try:
        await asyncio.wait_for(wake.wait(), timeout=seconds)
        woken = True
    except TimeoutError:
        woken = False
    wake.clear()
    return woken
