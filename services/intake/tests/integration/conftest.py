"""Intake's stores against a real PostgreSQL (migrated with intake's alembic revisions) and
against their in-memory fakes: the contract suites here run every case on both.

`stores` is parametrised: "fake" runs anywhere, "postgres" (marked integration) starts one
embedded PostgreSQL for the session and empties its tables before each case.
With --import-mode=importlib test modules cannot import this file, so helpers are fixtures.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.db import make_engine, make_sessions
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.migrations import upgrade
from devstack.fixtures import running_postgres
from devstack.postgres import EmbeddedPostgres
from intake.adapters import tables
from intake.adapters.reads import ComplaintReads, SqlComplaintReads
from intake.adapters.registry import Transactions, sql_transactions
from intake.adapters.views import SqlViews, ViewStore
from intake.adapters.worklist import SqlWorklist, Worklist
from intake.testing import FakeCommandStore, FakeComplaintReads, FakeViews, FakeWorklist


@dataclass
class StoreSet:
    """One implementation of each of intake's store interfaces, sharing one set of rows."""

    kind: str
    views: Callable[[], AbstractAsyncContextManager[ViewStore]]  # one consumer transaction
    transactions: Transactions  # the command side's
    reads: ComplaintReads
    worklist: Worklist
    outbox: Callable[[], Awaitable[list[str]]]  # the ids of the events in the outbox


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    # Throw-away data: fsync, synchronous_commit and full_page_writes off, for speed.
    with running_postgres("intake-it-pg-", durable=False) as server:
        yield server


@pytest.fixture(scope="session")
async def intake_sessions(
    postgres: EmbeddedPostgres,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """One migrated intake database for the session."""
    database = f"intake_{uuid.uuid4().hex[:10]}"
    postgres.create_database(database)
    url = postgres.url(database)
    await asyncio.to_thread(upgrade, "intake", url)
    engine = make_engine(url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


def fake_stores() -> StoreSet:
    views, commands = FakeViews(), FakeCommandStore()

    @asynccontextmanager
    async def in_views() -> AsyncIterator[ViewStore]:
        yield views

    async def outbox() -> list[str]:
        return [envelope.id for envelope in commands.outbox]

    return StoreSet(
        "fake",
        in_views,
        commands.transaction,
        FakeComplaintReads(views, commands),
        FakeWorklist(views),
        outbox,
    )


async def sql_stores(sessions: async_sessionmaker[AsyncSession]) -> StoreSet:
    names = ", ".join(table.name for table in tables.metadata.sorted_tables)
    async with sessions.begin() as session:
        await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))

    @asynccontextmanager
    async def in_views() -> AsyncIterator[ViewStore]:
        async with sessions.begin() as session:
            yield SqlViews(session)

    async def outbox() -> list[str]:
        async with sessions() as session:
            query = select(tables.outbox.c.event_id).order_by(tables.outbox.c.id)
            return list((await session.execute(query)).scalars())

    return StoreSet(
        "postgres",
        in_views,
        sql_transactions(sessions, Outbox(tables.outbox)),
        SqlComplaintReads(sessions),
        SqlWorklist(sessions),
        outbox,
    )


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> async_sessionmaker[AsyncSession] | None:
    """None for the fakes, else the sessions of the migrated database (started on demand)."""
    if request.param == "fake":
        return None
    sessions: async_sessionmaker[AsyncSession] = request.getfixturevalue("intake_sessions")
    return sessions


@pytest.fixture
async def stores(backend: async_sessionmaker[AsyncSession] | None) -> StoreSet:
    """Fresh, empty stores of one implementation."""
    return fake_stores() if backend is None else await sql_stores(backend)
