"""A real PostgreSQL for the dashboard's store: one database, migrated with the dashboard's
alembic revisions, emptied before each test that uses it.

With --import-mode=importlib test modules cannot import this file, so helpers are fixtures.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.db import make_engine, make_sessions
from complaints_shared.migrations import upgrade
from devstack.fixtures import running_postgres
from devstack.postgres import EmbeddedPostgres

_TABLES = "complaints, clock_runs, samples, timeline_entries, complaint_snapshots"


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    # Throw-away data: fsync, synchronous_commit and full_page_writes off, for speed.
    with running_postgres("dashboard-it-pg-", durable=False) as server:
        yield server


@pytest.fixture(scope="session")
async def database_url(postgres: EmbeddedPostgres) -> str:
    name = f"dashboard_{uuid.uuid4().hex[:10]}"
    postgres.create_database(name)
    url = postgres.url(name)
    await asyncio.to_thread(upgrade, "dashboard", url)
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the migrated database, its projection empty."""
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {_TABLES} RESTART IDENTITY"))
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()
