"""The data `make run` keeps under `.devstack` between runs, as the stack uses it at start.

In order: the settings' fingerprints are compared with the kept ones (`open`), the archived
log is restored into the empty broker (`restore`), and after the migrations every service's
stored position is compared with the restored end offsets (`check_positions`). Each refuses
with `KeptDataRefused` and a message for the user (see `keeping`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from . import archiver
from .keeping import (
    KeptDataRefused,
    Position,
    changed_settings,
    fingerprints,
    log_refusal,
    outbox_refusal,
    restore_refusal,
    settings_refusal,
    shortfalls,
    unarchived,
)
from .logstore import DATABASE, LogStore
from .postgres import EmbeddedPostgres

STARTED_AT = "started_at"
DEMO_MONTH = "demo_month"


class KeptData:
    def __init__(self, postgres: EmbeddedPostgres, workdir: Path) -> None:
        postgres.create_database(DATABASE)
        self.url = postgres.url(DATABASE)
        self.workdir = workdir

    def open(self, org_file: Path, jwt_secret: str, partitions: int) -> bool:
        """Check and keep the settings' fingerprints; whether the data was started before."""

        now = fingerprints(org_file.read_bytes(), jwt_secret, partitions)

        async def check() -> bool:
            async with LogStore(self.url) as store:
                state = await store.state()
                changed = changed_settings(state, now)
                if changed:
                    raise KeptDataRefused(settings_refusal(changed, org_file, self.workdir))
                first = {} if STARTED_AT in state else {STARTED_AT: datetime.now(UTC).isoformat()}
                await store.keep(now | first)
                return STARTED_AT in state

        return bool(asyncio.run(check()))

    def restore(self, bootstrap: str) -> dict[tuple[str, int], int]:
        """The archived log back in the broker; (topic, partition) -> end offset."""
        try:
            return dict(asyncio.run(archiver.restore(bootstrap, self.url)))
        except KeptDataRefused as problem:
            raise KeptDataRefused(restore_refusal(str(problem), self.workdir)) from None

    def check_services(
        self, database_urls: Mapping[str, str], ends: Mapping[tuple[str, int], int]
    ) -> None:
        """Refuse when a service applied, or published, records the restored log lacks."""
        positions: list[Position] = []
        for service, url in database_urls.items():
            positions += asyncio.run(stored_positions(service, url))
        found = shortfalls(positions, ends)
        if found:
            raise KeptDataRefused(log_refusal(found, self.workdir))
        published = {s: asyncio.run(published_digests(url)) for s, url in database_urls.items()}
        missing = unarchived(published, asyncio.run(archived_digests(self.url)))
        if missing:
            raise KeptDataRefused(outbox_refusal(missing, self.workdir))

    def get(self, name: str) -> str | None:
        async def read() -> str | None:
            async with LogStore(self.url) as store:
                return (await store.state()).get(name)

        value = asyncio.run(read())
        return None if value is None else str(value)

    def put(self, name: str, value: str) -> None:
        async def write() -> None:
            async with LogStore(self.url) as store:
                await store.keep({name: value})

        asyncio.run(write())


async def stored_positions(service: str, url: str) -> list[Position]:
    """The consumer positions a service keeps in its database (none before its migrations)."""
    engine = create_async_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as db:
            if (await db.execute(text("SELECT to_regclass('consumer_positions')"))).scalar():
                rows = await db.execute(
                    text("SELECT group_id, topic, partition, next_offset FROM consumer_positions")
                )
                return [Position(service, r[0], r[1], int(r[2]), int(r[3])) for r in rows]
            return []
    finally:
        await engine.dispose()


# A record's digest, the same on both sides: topic, key and value (the relay sends the outbox
# row's key and value as they are).
_ARCHIVED_DIGEST = (
    "SELECT md5(convert_to(topic, 'UTF8') || '\\x00'::bytea || coalesce(key, ''::bytea)"
    " || '\\x00'::bytea || coalesce(value, ''::bytea)) FROM log_records"
)
_PUBLISHED_DIGEST = (
    "SELECT md5(convert_to(topic, 'UTF8') || '\\x00'::bytea || convert_to(key, 'UTF8')"
    " || '\\x00'::bytea || value) FROM outbox WHERE published_at IS NOT NULL"
)


async def _digests(url: str, table: str, query: str) -> set[str]:
    engine = create_async_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as db:
            exists = (await db.execute(text(f"SELECT to_regclass('{table}')"))).scalar()
            return {r[0] for r in await db.execute(text(query))} if exists else set()
    finally:
        await engine.dispose()


async def published_digests(url: str) -> set[str]:
    """The records a service's outbox relay published (none before its migrations)."""
    return await _digests(url, "outbox", _PUBLISHED_DIGEST)


async def archived_digests(url: str) -> set[str]:
    return await _digests(url, "log_records", _ARCHIVED_DIGEST)
