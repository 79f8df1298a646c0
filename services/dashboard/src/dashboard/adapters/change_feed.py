"""Tells live pages that the projection changed, within milliseconds of the commit.

Every commit that touches `complaints` NOTIFYs `dashboard` (a statement trigger), so every
instance hears about every change, whichever instance's consumer projected it. LISTEN/NOTIFY
is a wake-up, not a queue: the feed also compares the projection's version every
`poll_seconds`, and announces a change whenever its listening connection is (re)made.
Bursts are coalesced: subscribers get at most one message per `min_gap` seconds, and a slow
subscriber's queue holds only the latest version.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker

from complaints_shared.db import asyncpg_connect_args
from complaints_shared.logging import get_logger

from . import repository
from .tables import CHANGES_CHANNEL

log = get_logger(__name__)


class ChangeFeed:
    def __init__(
        self,
        database_url: str,
        sessions: async_sessionmaker,
        *,
        poll_seconds: float = 2.0,
        min_gap: float = 0.2,
    ) -> None:
        self.database_url = database_url
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self.min_gap = min_gap
        self.version = ""
        self.closing = asyncio.Event()  # set when the service stops: streams end at once
        self._subscribers: set[asyncio.Queue[str | None]] = set()
        self._wake = asyncio.Event()

    def subscribe(self) -> asyncio.Queue[str | None]:
        queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=1)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str | None]) -> None:
        self._subscribers.discard(queue)

    def close(self) -> None:
        """End every stream now (the service is stopping): each queue gets None."""
        self.closing.set()
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
            queue.put_nowait(None)

    def publish(self, version: str) -> None:
        self.version = version
        if self.closing.is_set():
            return
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()  # keep only the newest
            queue.put_nowait(version)

    async def run(self) -> None:
        backoff = 0.2
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database away: the pages keep their last figures
                log.warning("change feed interrupted", error=repr(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            else:
                backoff = 0.2

    async def _listen(self) -> None:
        conn = await asyncpg.connect(**asyncpg_connect_args(self.database_url))
        try:
            await conn.add_listener(CHANGES_CHANNEL, lambda *_: self._wake.set())
            notified = True  # after a (re)connect, notifications may have been lost
            while True:
                async with self.sessions() as session:
                    version = await repository.version(session)
                if notified or version != self.version:
                    self.publish(version)
                await asyncio.sleep(self.min_gap)  # coalesce a burst of commits
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
                notified = self._wake.is_set()
                self._wake.clear()
                await conn.fetchval("SELECT 1")  # notice a dead listening connection
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2)
