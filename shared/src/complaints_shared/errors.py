"""Errors that mean "the infrastructure is away", not "this input is wrong"."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc

TRANSIENT = (
    OSError,
    ConnectionError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
)
