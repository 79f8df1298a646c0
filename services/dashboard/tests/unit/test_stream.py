"""The live stream tells a page only of changes to what its scope shows."""

from __future__ import annotations

import asyncio
import json

from dashboard.adapters.change_feed import ChangeFeed
from dashboard.entrypoints import stream
from dashboard.testing.fakes import FakeProjection


def _parse(message: str) -> tuple[str, str]:
    lines = dict(line.split(": ", 1) for line in message.strip().splitlines())
    return lines["event"], json.loads(lines["data"])["version"]


async def test_a_change_the_scope_does_not_show_sends_nothing(monkeypatch):
    monkeypatch.setattr(stream, "HEARTBEAT_SECONDS", 0.05)
    feed = ChangeFeed("postgresql://unused/db", FakeProjection().reading)
    scope_version = ["2026-11-23T10:01:00+08:00"]

    async def version_of() -> str:
        return scope_version[0]

    events = stream._events(feed, version_of)
    assert _parse(await anext(events)) == ("hello", "2026-11-23T10:01:00+08:00")
    feed.publish("2026-11-23T02:05:00+00:00")  # another scope's complaint changed
    assert _parse(await anext(events)) == ("heartbeat", "2026-11-23T10:01:00+08:00")
    scope_version[0] = "2026-11-23T10:06:00+08:00"
    feed.publish("2026-11-23T02:06:00+00:00")
    assert _parse(await anext(events)) == ("change", "2026-11-23T10:06:00+08:00")
    feed.close()
    assert await asyncio.wait_for(_rest(events), timeout=1) == []


async def test_the_last_version_stays_while_the_database_is_away(monkeypatch):
    monkeypatch.setattr(stream, "HEARTBEAT_SECONDS", 0.05)
    feed = ChangeFeed("postgresql://unused/db", FakeProjection().reading)

    async def away() -> str:
        raise ConnectionError("database away")

    events = stream._events(feed, away)
    assert _parse(await anext(events)) == ("hello", "")
    feed.publish("x")
    assert _parse(await anext(events)) == ("heartbeat", "")
    feed.close()
    assert await asyncio.wait_for(_rest(events), timeout=1) == []


async def _rest(events) -> list[str]:
    return [message async for message in events]
