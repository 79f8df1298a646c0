"""The devstack's own database in the embedded PostgreSQL: the archived log and what the kept
data was made with.

- `log_records`: every record of every topic, by (topic, partition, offset), with its key,
  value, headers and timestamp; written by the archiver, read back by the restore.
- `kept_state`: name -> value; the settings' fingerprints, when the data was first started
  and whether the demo month was loaded.

It lives in the same PostgreSQL data directory as the services' databases, so the log and the
services' data are kept, and deleted (`make reset`), together.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DATABASE = "devstack"

METADATA = MetaData()
LOG_RECORDS = Table(
    "log_records",
    METADATA,
    Column("topic", Text, primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("offset", BigInteger, primary_key=True),
    Column("key", LargeBinary),
    Column("value", LargeBinary),
    Column("headers", JSONB, nullable=False),  # [[name, base64 value], ...]
    Column("timestamp_ms", BigInteger, nullable=False),
)
KEPT_STATE = Table(
    "kept_state",
    METADATA,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)


@dataclass(frozen=True)
class ArchivedRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int


def _encode_headers(headers: Iterable[tuple[str, bytes]]) -> list[list[str]]:
    return [[name, base64.b64encode(value or b"").decode()] for name, value in headers]


def _decode_headers(headers: Iterable[list[str]]) -> tuple[tuple[str, bytes], ...]:
    return tuple((name, base64.b64decode(value)) for name, value in headers)


class LogStore:
    """One engine per event loop: open it in the loop that uses it (`async with`)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine | None = None

    async def __aenter__(self) -> LogStore:
        self.engine = create_async_engine(self.url, pool_size=4, max_overflow=0)
        async with self.engine.begin() as db:
            await db.run_sync(METADATA.create_all)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.engine is not None:
            await self.engine.dispose()

    def _engine(self) -> AsyncEngine:
        assert self.engine is not None, "open the store with `async with`"
        return self.engine

    # -- the log ----------------------------------------------------------------------------
    async def append(self, records: list[ArchivedRecord]) -> None:
        """Store records (one transaction); a record already stored is left as it is."""
        if not records:
            return
        rows = [
            {
                "topic": r.topic,
                "partition": r.partition,
                "offset": r.offset,
                "key": r.key,
                "value": r.value,
                "headers": _encode_headers(r.headers),
                "timestamp_ms": r.timestamp_ms,
            }
            for r in records
        ]
        async with self._engine().begin() as db:
            await db.execute(insert(LOG_RECORDS).on_conflict_do_nothing(), rows)

    async def extents(self) -> dict[tuple[str, int], tuple[int, int]]:
        """(topic, partition) -> (number of records, highest offset + 1)."""
        t = LOG_RECORDS
        async with self._engine().connect() as db:
            rows = await db.execute(
                select(t.c.topic, t.c.partition, func.count(), func.max(t.c.offset)).group_by(
                    t.c.topic, t.c.partition
                )
            )
            return {(r[0], int(r[1])): (int(r[2]), int(r[3]) + 1) for r in rows}

    async def records(
        self, topic: str, partition: int, *, chunk: int = 2000
    ) -> AsyncIterator[list[ArchivedRecord]]:
        """The partition's records in offset order, `chunk` at a time."""
        t = LOG_RECORDS
        after = -1
        while True:
            async with self._engine().connect() as db:
                rows = (
                    await db.execute(
                        select(t)
                        .where(t.c.topic == topic, t.c.partition == partition, t.c.offset > after)
                        .order_by(t.c.offset)
                        .limit(chunk)
                    )
                ).all()
            if not rows:
                return
            yield [
                ArchivedRecord(
                    topic=r.topic,
                    partition=r.partition,
                    offset=r.offset,
                    key=r.key,
                    value=r.value,
                    headers=_decode_headers(r.headers),
                    timestamp_ms=r.timestamp_ms,
                )
                for r in rows
            ]
            after = rows[-1].offset

    # -- kept state -------------------------------------------------------------------------
    async def state(self) -> dict[str, str]:
        async with self._engine().connect() as db:
            rows = await db.execute(select(KEPT_STATE.c.name, KEPT_STATE.c.value))
            return {r.name: r.value for r in rows}

    async def keep(self, values: Mapping[str, str]) -> None:
        if not values:
            return
        statement = insert(KEPT_STATE)
        statement = statement.on_conflict_do_update(
            index_elements=[KEPT_STATE.c.name], set_={"value": statement.excluded.value}
        )
        async with self._engine().begin() as db:
            await db.execute(statement, [{"name": k, "value": v} for k, v in values.items()])
