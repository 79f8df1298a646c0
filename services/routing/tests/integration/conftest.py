"""Routing's stores against a real PostgreSQL (embedded, migrated with routing's alembic
revisions), beside their in-memory fakes.

`route_stores` is parametrised: every contract test runs once on `FakeRouteStore` and once on
`SqlRouteStore` in PostgreSQL; only the PostgreSQL case is marked `integration`, and only it
starts the server. With --import-mode=importlib test modules cannot import this file, so
helpers are fixtures.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.db import make_engine, make_sessions
from complaints_shared.migrations import upgrade
from devstack.fixtures import running_postgres
from devstack.postgres import EmbeddedPostgres
from routing.adapters.repository import RouteStore, SqlRouteStore
from routing.testing.fakes import FakeRouteStore


class StoreTransactions(Protocol):
    """Opens a transaction and hands out the store working in it; committed on a clean exit."""

    def transaction(self) -> AbstractAsyncContextManager[RouteStore]: ...


class FakeTransactions:
    def __init__(self) -> None:
        self.store = FakeRouteStore()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[RouteStore]:
        yield self.store


class SqlTransactions:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[RouteStore]:
        async with self.sessions() as session, session.begin():
            yield SqlRouteStore(session)


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    # Throw-away data: fsync, synchronous_commit and full_page_writes off, for speed.
    with running_postgres("routing-it-pg-", durable=False) as server:
        yield server


@pytest.fixture(scope="session")
async def routing_sessions(postgres: EmbeddedPostgres) -> AsyncIterator[async_sessionmaker]:
    """Sessions on a fresh database migrated to routing's newest revision."""
    url = postgres.url(f"routing_{uuid.uuid4().hex[:10]}")
    postgres.create_database(url.rsplit("/", 1)[1])
    await asyncio.to_thread(upgrade, "routing", url)
    engine = make_engine(url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def route_stores(request: pytest.FixtureRequest) -> StoreTransactions:
    if request.param == "fake":
        return FakeTransactions()
    return SqlTransactions(request.getfixturevalue("routing_sessions"))
