"""Async SQLAlchemy engine and sessions; engines are created by bootstrap, never at import."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker


def make_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An engine with a pool of `pool_size` connections (and 5 more at a peak).

    Connections are not pinged when taken from the pool: with asyncpg a ping is a whole
    transaction (BEGIN, a statement, ROLLBACK), three round trips on every checkout, half of
    intake's transactions per complaint. A connection the database dropped (a restart) fails
    its first statement instead; SQLAlchemy then discards the whole pool, and the caller treats
    the error as transient (`errors.is_transient`): a consumer's batch is retried, a request
    answered 503 with Retry-After.
    """
    # Looked up at call time: tracing (telemetry.instrument_libraries) wraps the function.
    return sa_asyncio.create_async_engine(url, pool_size=pool_size, max_overflow=5)


def make_sessions(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def asyncpg_connect_args(url: str) -> dict[str, Any]:
    """Keyword arguments for asyncpg.connect from an SQLAlchemy URL (for LISTEN and locks)."""
    parsed = make_url(url)
    args: dict[str, Any] = {
        "user": parsed.username,
        "password": parsed.password,
        "database": parsed.database,
        "host": parsed.query.get("host") or parsed.host,
        "port": parsed.port,
    }
    return {k: v for k, v in args.items() if v is not None}
