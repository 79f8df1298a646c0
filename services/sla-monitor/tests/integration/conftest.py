"""The SLA monitor against a real PostgreSQL (migrated with its alembic revisions), its HTTP
app driven in-process through httpx's ASGITransport, and events fed through the real consumer
(`LogConsumer.process`: decode, inbox, handlers, one transaction) without a broker.

The store contract tests (`test_*_contract.py`) run each case on the in-memory fakes and, marked
integration, on PostgreSQL: the `backend` fixture is one or the other.

With --import-mode=importlib test modules cannot import this file, so helpers are fixtures.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, new_id, to_kafka
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.db import make_engine, make_sessions
from complaints_shared.http.auth import issue_token
from complaints_shared.messaging.consumer import LogConsumer
from complaints_shared.messaging.inbox import Inbox
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.migrations import upgrade
from devstack.fixtures import running_postgres
from devstack.postgres import EmbeddedPostgres
from sla_monitor.adapters import tables
from sla_monitor.adapters.clock_queries import ClockReads, SqlClockReads
from sla_monitor.adapters.clock_store import ClockStore
from sla_monitor.adapters.complaint_states import ComplaintStates
from sla_monitor.adapters.projection_store import ProjectionStore
from sla_monitor.adapters.stores import Stores, sql_stores
from sla_monitor.bootstrap import create_app
from sla_monitor.config import SlaSettings
from sla_monitor.service_layer.handlers import ClockProjector
from sla_monitor.testing.fakes import FakeClockReads, FakeDatabase, fake_stores

pytestmark = pytest.mark.integration
JWT_SECRET = "sla-monitor-tests-secret-long-enough-for-hs256"
DEMO_ORG = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"
_offsets = itertools.count()


@dataclass
class Sla:
    app: FastAPI
    api: httpx.AsyncClient
    consumer: LogConsumer
    log: list[SimpleNamespace] = field(default_factory=list)  # every record fed, in order

    async def feed(self, complaint_id: str, *events: Event, at: datetime | None = None) -> None:
        """Each event through the consumer, as if read from the log."""
        for data in events:
            envelope = Envelope(
                id=new_id(),
                source="/sla-monitor-tests",
                type=data.type_name(),
                subject=complaint_id,
                time=at or datetime.now(UTC),
                data=data.model_dump(mode="json"),
            )
            key, value, headers = to_kafka(envelope)
            record = SimpleNamespace(
                topic=COMPLAINT_EVENTS,
                partition=0,
                offset=next(_offsets),
                key=key,
                value=value,
                headers=headers,
            )
            self.log.append(record)
            await self.consumer.process(record)

    async def get(self, path: str, caller: str, **query: str) -> httpx.Response:
        token = issue_token(caller, JWT_SECRET)
        headers = {"Authorization": f"Bearer {token}"}
        return await self.api.get(path, params=query, headers=headers)


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    # Throw-away data: fsync, synchronous_commit and full_page_writes off, for speed.
    with running_postgres("sla-monitor-it-pg-", durable=False) as server:
        yield server


@pytest.fixture(scope="module")
async def sla(postgres: EmbeddedPostgres) -> AsyncIterator[Sla]:
    """One migrated database and app per module; no consumer loop, relay or ticker runs."""
    database = f"sla_monitor_{uuid.uuid4().hex[:10]}"
    postgres.create_database(database)
    settings = SlaSettings(
        SLA_MONITOR_DATABASE_URL=postgres.url(database),
        org_directory=str(DEMO_ORG),
        jwt_secret=JWT_SECRET,
    )
    await asyncio.to_thread(upgrade, "sla_monitor", settings.database_url)
    app = create_app(settings)
    sessions = app.state.sessions
    outbox, inbox = Outbox(tables.outbox), Inbox(tables.processed_events, consumer="sla-monitor")
    stores = sql_stores(sessions, outbox, inbox)
    projector = ClockProjector(app.state.org, settings.policy(), asyncio.Event(), stores)
    consumer = LogConsumer(
        service="sla-monitor",
        settings=settings,
        sessions=sessions,
        outbox=outbox,
        inbox=inbox,
        handlers=projector.registry(),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sla") as api:
        yield Sla(app, api, consumer)
    await sessions.kw["bind"].dispose()


@dataclass
class Transaction:
    """The stores bound to one transaction of a backend."""

    clocks: ClockStore
    complaint_states: ComplaintStates
    projection: ProjectionStore


@dataclass
class Backend:
    """The fakes or PostgreSQL, empty at the start of each test."""

    name: str
    stores: Stores
    reads: ClockReads
    applied: Callable[[], Awaitable[set[str]]]  # event ids marked processed

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self.stores.transaction() as session:
            yield Transaction(
                self.stores.clocks(session),
                self.stores.complaint_states(session),
                self.stores.projection(session),
            )


@pytest.fixture(scope="session")
def contract_database_url(postgres: EmbeddedPostgres) -> str:
    """One migrated database for every contract test; each test starts by emptying it."""
    database = f"sla_contract_{uuid.uuid4().hex[:10]}"
    postgres.create_database(database)
    url = postgres.url(database)
    with ThreadPoolExecutor(1) as pool:  # alembic runs its own event loop
        pool.submit(upgrade, "sla_monitor", url).result()
    return url


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """None for the fakes; PostgreSQL is started only for its own cases."""
    if request.param == "fake":
        return None
    url: str = request.getfixturevalue("contract_database_url")
    return url


@pytest.fixture
async def backend(backend_url: str | None) -> AsyncIterator[Backend]:
    if backend_url is None:
        db = FakeDatabase()

        async def fake_applied() -> set[str]:
            return set(db.processed)

        yield Backend("fake", fake_stores(db), FakeClockReads(db), fake_applied)
        return
    engine = make_engine(backend_url)
    sessions = make_sessions(engine)
    async with engine.begin() as conn:
        names = ", ".join(table.name for table in tables.metadata.sorted_tables)
        await conn.execute(text(f"TRUNCATE {names}"))
    inbox = Inbox(tables.processed_events, consumer="sla-monitor")

    async def sql_applied() -> set[str]:
        async with sessions() as session:
            rows = await session.execute(select(tables.processed_events.c.event_id))
            return {event_id for (event_id,) in rows}

    stores = sql_stores(sessions, Outbox(tables.outbox), inbox)
    yield Backend("postgres", stores, SqlClockReads(sessions), sql_applied)
    await engine.dispose()
