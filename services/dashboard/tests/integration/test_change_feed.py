"""The change feed on a real PostgreSQL: a commit wakes it at once (NOTIFY), not at the poll."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dashboard.adapters.change_feed import ChangeFeed
from dashboard.adapters.repository import SqlProjection, sql_reading
from dashboard.domain.model import Complaint
from dashboard.testing.fakes import FakeProjection

pytestmark = pytest.mark.integration


async def test_a_commit_reaches_subscribers_without_waiting_for_the_poll(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
):
    feed = ChangeFeed(database_url, sql_reading(sessions), poll_seconds=60, min_gap=0.01)
    queue = feed.subscribe()
    task = asyncio.create_task(feed.run())
    try:
        # Announced on (re)connect: notifications may have been lost meanwhile.
        assert await asyncio.wait_for(queue.get(), timeout=10) == ""
        async with sessions.begin() as session:
            await SqlProjection(session).save(Complaint("C1"))
        changed = await asyncio.wait_for(queue.get(), timeout=5)  # far less than the poll
        async with sql_reading(sessions)() as reader:
            assert changed == await reader.version() != ""
    finally:
        feed.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert await queue.get() is None  # streams end when the service stops


async def test_the_feed_keeps_trying_while_the_database_is_away():
    nowhere = "postgresql+asyncpg://postgres@127.0.0.1:9/none"  # nothing listens on port 9
    feed = ChangeFeed(nowhere, FakeProjection().reading, poll_seconds=60)
    task = asyncio.create_task(feed.run())
    await asyncio.sleep(0.5)  # several failed tries, each waited out
    assert not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
