"""Everything the service layer writes, bundled so one object is wired in `bootstrap`.

A handler runs inside the consumer's transaction (the session it is given); the breach ticker
and a rebuild open their own with `transaction()`. Either way each store is bound to that
session, and the outbox appends to it, so state and events commit together.
`sql_stores` wires PostgreSQL; `sla_monitor.testing.fakes.fake_stores` wires the in-memory
fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.inbox import Inbox

from .clock_store import ClockStore, SqlClockStore
from .complaint_states import ComplaintStates, SqlComplaintStates
from .projection_store import ProjectionStore, SqlProjectionStore


class EventOutbox(Protocol):
    """`complaints_shared.messaging.outbox.Outbox`: events appended in the caller's
    transaction (an id already there is kept as it was)."""

    async def append(self, session: AsyncSession, envelopes: Iterable[Envelope]) -> None: ...


@dataclass(frozen=True)
class Stores:
    transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]]
    clocks: Callable[[AsyncSession], ClockStore]
    complaint_states: Callable[[AsyncSession], ComplaintStates]
    projection: Callable[[AsyncSession], ProjectionStore]
    outbox: EventOutbox


def sql_stores(sessions: async_sessionmaker[Any], outbox: EventOutbox, inbox: Inbox) -> Stores:
    """The stores on PostgreSQL; `inbox` is the consumer's processed-events record."""
    return Stores(
        transaction=sessions.begin,
        clocks=SqlClockStore,
        complaint_states=SqlComplaintStates,
        projection=lambda session: SqlProjectionStore(session, inbox),
        outbox=outbox,
    )
