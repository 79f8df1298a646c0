"""`outbox status` and `lag`: read each service's own database (and the topic's end offsets).

Each database has an `outbox` (rows not yet published have no `published_at`) and
`consumer_positions` (the offset of the next record each consumer group will apply, per
partition, stored with the effects of the records before it). The lag of a partition is the
topic's end offset minus that position.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import MetaData, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from complaints_shared.messaging.tables import CONSUMER_POSITIONS, define_messaging_tables

from .config import Service

OUTBOX, _ = define_messaging_tables(MetaData())


@dataclass(frozen=True)
class OutboxStatus:
    service: str
    pending: int | None = None
    oldest: datetime | None = None  # created_at of the oldest unpublished row
    age_seconds: float | None = None
    published: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Position:
    service: str
    group_id: str
    topic: str
    partition: int
    next_offset: int


async def _outbox_of(service: Service, connect_timeout: float) -> OutboxStatus:
    engine = create_async_engine(service.database_url(), connect_args={"timeout": connect_timeout})
    try:
        async with engine.connect() as conn:
            pending = OUTBOX.c.published_at.is_(None)
            row = (
                await conn.execute(
                    select(
                        func.count().filter(pending),
                        func.min(OUTBOX.c.created_at).filter(pending),
                        func.count().filter(~pending),
                        func.now(),
                    )
                )
            ).one()
        count, oldest, published, now = row
        age = (now - oldest).total_seconds() if oldest is not None else None
        return OutboxStatus(service.name, int(count), oldest, age, int(published))
    except Exception as exc:  # unreachable, missing database or table: report, go on
        return OutboxStatus(service.name, error=_brief(exc))
    finally:
        await engine.dispose()


def outbox_status(services: list[Service], *, timeout: float = 5.0) -> list[OutboxStatus]:
    async def run() -> list[OutboxStatus]:
        return list(await asyncio.gather(*(_outbox_of(s, timeout) for s in services)))

    return asyncio.run(run())


async def _positions_of(service: Service, connect_timeout: float) -> list[Position] | str:
    engine = create_async_engine(service.database_url(), connect_args={"timeout": connect_timeout})
    t = CONSUMER_POSITIONS
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(t.c.group_id, t.c.topic, t.c.partition, t.c.next_offset).order_by(
                    t.c.group_id, t.c.topic, t.c.partition
                )
            )
            return [
                Position(service.name, r.group_id, r.topic, int(r.partition), int(r.next_offset))
                for r in rows
            ]
    except Exception as exc:
        return _brief(exc)
    finally:
        await engine.dispose()


async def _end_offsets(bootstrap: str, topics: set[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        await consumer.topics()
        partitions = [
            TopicPartition(topic, p)
            for topic in sorted(topics)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        return dict(await consumer.end_offsets(partitions)) if partitions else {}
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Lag:
    positions: list[Position]
    ends: dict[TopicPartition, int]
    errors: dict[str, str]  # service -> why its positions could not be read
    broker_error: str | None = None


def lag(services: list[Service], bootstrap: str, topics: set[str], *, timeout: float) -> Lag:
    async def run() -> Lag:
        found = await asyncio.gather(*(_positions_of(s, timeout) for s in services))
        positions: list[Position] = []
        errors: dict[str, str] = {}
        for service, result in zip(services, found, strict=True):
            if isinstance(result, str):
                errors[service.name] = result
            else:
                positions += result
        wanted = topics | {p.topic for p in positions}
        try:
            async with asyncio.timeout(timeout * 3):
                ends = await _end_offsets(bootstrap, wanted)
        except Exception as exc:
            return Lag(positions, {}, errors, f"cannot read end offsets at {bootstrap}: {exc!r}")
        return Lag(positions, ends, errors)

    return asyncio.run(run())


def _brief(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]
