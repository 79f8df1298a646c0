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

from complaints_shared.messaging.loops import listening, retry_forever, wait_for_wake

from .projection_interfaces import Reading
from .tables import CHANGES_CHANNEL


class ChangeFeed:
    def __init__(
        self,
        database_url: str,
        reading: Reading,
        *,
        poll_seconds: float = 2.0,
        min_gap: float = 0.2,
    ) -> None:
        self.database_url = database_url
        self.reading = reading
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
        """Until cancelled; while the database is away the pages keep their last figures."""
        await retry_forever(self._listen, what="change feed")

    async def _listen(self) -> None:
        async with listening(self.database_url, CHANGES_CHANNEL, self._wake) as conn:
            notified = True  # after a (re)connect, notifications may have been lost
            while True:
                async with self.reading() as reader:
                    version = await reader.version()
                if notified or version != self.version:
                    self.publish(version)
                await asyncio.sleep(self.min_gap)  # coalesce a burst of commits
                notified = await wait_for_wake(self._wake, self.poll_seconds)
                await conn.fetchval("SELECT 1")  # notice a dead listening connection
