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
# SQLSTATE classes that say "try again", not "this input is wrong": 40 transaction rollback
# (serialization failure, deadlock), 08 connection, 53 resources, 57 operator intervention
# (shutdown, cancelled statement, "the database system is shutting down").
_RETRYABLE_SQLSTATE_CLASSES = ("40", "08", "53", "57")
# A connection asyncpg left in the middle of an operation (the server went away, or a statement
# was cancelled) refuses the next one: "cannot switch to state 12; another operation is in
# progress". The connection is broken, not the input.
_BROKEN_CONNECTION = (asyncpg.InternalClientError,)


def is_transient(exc: BaseException) -> bool:
    """Infrastructure trouble (try again later), as opposed to input that is wrong: the
    consume loop retries the batch instead of dead-lettering the event, and an HTTP request
    gets 503 instead of 500."""
    if isinstance(exc, TRANSIENT):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    # asyncpg's own errors carry the SQLSTATE; SQLAlchemy's wrap them (orig, or its cause).
    origin = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    cause = getattr(origin, "__cause__", None)
    if isinstance(origin, _BROKEN_CONNECTION) or isinstance(cause, _BROKEN_CONNECTION):
        return True
    sqlstate = getattr(origin, "sqlstate", None) or getattr(cause, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate[:2] in _RETRYABLE_SQLSTATE_CLASSES
