"""Which failures retry a batch and which dead-letter the event (`messaging.consumer`)."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc

from complaints_shared.messaging.consumer import is_transient


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def dbapi_error(sqlstate: str) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError("SELECT 1", {}, _Orig(sqlstate))


def test_infrastructure_failures_retry_the_batch():
    assert is_transient(ConnectionResetError())
    assert is_transient(TimeoutError())
    assert is_transient(asyncpg.PostgresConnectionError())
    assert is_transient(dbapi_error("40P01"))  # deadlock between two partitions' batches
    assert is_transient(dbapi_error("40001"))  # serialization failure
    assert is_transient(dbapi_error("57P01"))  # the server shuts down
    assert is_transient(asyncpg.DeadlockDetectedError())  # raw asyncpg, not wrapped
    assert is_transient(dbapi_error("57P03"))  # the database system is shutting down


def test_a_connection_broken_mid_operation_retries_the_batch():
    """Seen in the fault test while PostgreSQL restarted: asyncpg refuses to use a connection
    left in the middle of an operation. The event is not at fault: no dead letter."""
    origin = Exception("cannot switch to state 12; another operation (2) is in progress")
    origin.__cause__ = asyncpg.InternalClientError(str(origin))
    assert is_transient(sa_exc.InternalError("SELECT 1", {}, origin))
    invalidated = sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert is_transient(invalidated)


def test_an_event_the_handler_rejects_is_not_transient():
    assert not is_transient(ValueError("poison"))
    assert not is_transient(dbapi_error("23505"))  # unique violation: the event's fault
    assert not is_transient(sa_exc.IntegrityError("INSERT", {}, _Orig("23505")))
