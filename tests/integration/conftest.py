"""A real PostgreSQL and a real Kafka-protocol broker, started once for the integration tests.

Each test gets a fresh database with the messaging tables (outbox, processed events, trigger).
With --import-mode=importlib test modules cannot import this file, so helpers are fixtures.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.db import make_engine, make_sessions
from complaints_shared.messaging.relay import OutboxRelay
from complaints_shared.messaging.tables import OUTBOX_TRIGGER_SQL, define_messaging_tables
from complaints_shared.settings import ServiceSettings
from complaints_shared.testing import eventually
from devstack.broker import TansuBroker
from devstack.fixtures import running_broker, running_postgres
from devstack.postgres import EmbeddedPostgres

PARTITIONS = 3
_database_numbers = itertools.count()


def envelope(complaint_id: str, data: dict, type_: str = "test.sequenced.v1") -> Envelope:
    """An envelope of a type no service knows (consumers skip it) unless `type_` says otherwise."""
    return Envelope(
        id=new_id(),
        source="integration-tests",
        type=type_,
        subject=complaint_id,
        time=datetime(2026, 11, 18, 9, 30, tzinfo=UTC),
        data=data,
    )


class WatchedRelay(OutboxRelay):
    """The real relay, recording the outcome of each publishing pass (a count or an error)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.passes: list[int | Exception] = []

    async def publish_batch(self) -> int:
        try:
            published = await super().publish_batch()
        except Exception as exc:
            self.passes.append(exc)
            raise
        self.passes.append(published)
        return published

    @property
    def failures(self) -> int:
        return sum(isinstance(p, Exception) for p in self.passes)


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker
    outbox: Table
    processed: Table

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    # Throw-away data: fsync, synchronous_commit and full_page_writes off, for speed.
    with running_postgres("complaints-integration-pg-", durable=False) as server:
        yield server


@pytest.fixture(scope="session")
def broker() -> Iterator[TansuBroker]:
    with running_broker(PARTITIONS) as server:
        yield server


@pytest.fixture
def database_url(postgres: EmbeddedPostgres) -> str:
    name = f"it_{next(_database_numbers)}_{uuid.uuid4().hex[:8]}"
    postgres.create_database(name)
    return postgres.url(name)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    metadata = MetaData()
    outbox, processed = define_messaging_tables(metadata)
    engine = make_engine(database_url, pool_size=10)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for statement in OUTBOX_TRIGGER_SQL:
            await conn.execute(text(statement))
    try:
        yield Database(database_url, engine, make_sessions(engine), outbox, processed)
    finally:
        await engine.dispose()


@pytest.fixture
async def background() -> AsyncIterator[Callable[[Awaitable[None]], asyncio.Task]]:
    """Start loops (relays, consumers) as tasks; cancel them at the end of the test."""
    tasks: list[asyncio.Task] = []

    def start(loop: Awaitable[None]) -> asyncio.Task:
        tasks.append(asyncio.ensure_future(loop))
        return tasks[-1]

    yield start
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    crashed = [r for r in results if not isinstance(r, asyncio.CancelledError | type(None))]
    assert not crashed, f"background loops crashed: {crashed!r}"


@pytest.fixture
def start_relay(
    background: Callable[[Awaitable[None]], asyncio.Task],
) -> Callable[..., WatchedRelay]:
    def start(
        db: Database, bootstrap: str, *, poll: float = 1.0, service: str = ""
    ) -> WatchedRelay:
        relay = WatchedRelay(
            service=service or f"relay-{uuid.uuid4().hex[:8]}",
            settings=ServiceSettings(kafka_bootstrap_servers=bootstrap, outbox_poll_seconds=poll),
            engine=db.engine,
            table=db.outbox,
            database_url=db.url,
        )
        background(relay.run())
        return relay

    return start


@pytest.fixture(name="eventually")
def eventually_fixture() -> Callable[..., Awaitable[Any]]:
    return eventually


@pytest.fixture(name="envelope")
def envelope_fixture() -> Callable[..., Envelope]:
    return envelope
