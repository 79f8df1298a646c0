"""The command side's rows: each complaint intake registered, with its current state, the
idempotency keys of requests, each complaint's customer key, and the outbox its events leave by
(SQL only).

`CommandStore` is what the projection's consumer needs (the state, folded in its transaction);
`Registry` is one transaction of the HTTP side: register, lock, fold, claim a key, count and
remember the customer's complaints, and append the event, all committed together or not at all
(docs/architecture.md#transactional-outbox-and-relay). `intake.testing.FakeCommandStore` is
both, in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.workflow.lifecycle import ComplaintState, from_json, to_json

from .tables import complaints, customer_keys, data_keys, idempotency_keys


@dataclass(frozen=True)
class Registered:
    complaint_id: str
    received_event_id: str
    state: ComplaintState


@dataclass(frozen=True)
class Locker:
    """A complaint's sealed personal data and what opens it: the sealed part of its
    `complaint.received` (JSON; None once erased, or for a complaint registered before it was
    sealed) and its wrapped data key (None once erased)."""

    sealed: dict[str, Any] | None
    wrapped_key: bytes | None
    erased_at: datetime | None = None


@dataclass(frozen=True)
class ClaimedKey:
    request_hash: str
    complaint_id: str
    event_id: str


class CommandStore(Protocol):
    """The command state of complaints, as the consumer folds other services' events in."""

    async def lock(self, complaint_id: str) -> Registered | None:
        """The complaint, locked until the transaction ends (None: not registered here): one
        complaint's actions are decided one after another, against the state the last left."""
        ...

    async def save_state(self, complaint_id: str, state: ComplaintState) -> None: ...


class Registry(CommandStore, Protocol):
    """One transaction of the command side; nothing of it lands unless it ends normally."""

    async def register(
        self,
        *,
        complaint_id: str,
        receiving_unit: str,
        posted_by: str,
        received_event_id: str,
        state: ComplaintState,
        received_at: datetime | None = None,
        sealed: dict[str, Any] | None = None,
        wrapped_key: bytes | None = None,
    ) -> None:
        """The complaint's command row, with its sealed personal data and (wrapped) data key."""
        ...

    async def locker(self, complaint_id: str) -> Locker | None:
        """The complaint's sealed personal data and wrapped key (None: not registered)."""
        ...

    async def erase(self, complaint_id: str, at: datetime) -> bool:
        """Destroy the complaint's data key and customer key and forget its sealed value;
        False (nothing changed) when it was erased before."""
        ...

    async def due_for_erasure(self, received_before: datetime, limit: int) -> list[str]:
        """Complaints received before the moment whose personal data is not yet erased."""
        ...

    async def claim_key(
        self, *, caller: str, scope: str, key: str, digest: str, complaint_id: str, event_id: str
    ) -> ClaimedKey | None:
        """Claim an idempotency key; None when it is new, else what it was claimed with."""
        ...

    async def count_customer_complaints(
        self, *, customer_key: str, since: datetime, before: datetime
    ) -> int:
        """How many complaints of the customer were received at or after `since` and before
        `before`. The customer is locked until the transaction ends first, so that two
        registrations of one customer count one after the other."""
        ...

    async def remember_customer(
        self, *, complaint_id: str, customer_key: str, received_at: datetime
    ) -> None:
        """Keep the complaint's customer key (counted by later registrations)."""
        ...

    async def append(self, envelope: Envelope) -> None:
        """Put the event in the outbox (the relay publishes it once this commits)."""
        ...


# Opens one `Registry` transaction: `async with transactions() as registry: ...`.
Transactions = Callable[[], AbstractAsyncContextManager[Registry]]


class SqlCommandStore:
    """The `CommandStore` in PostgreSQL, inside the session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, complaint_id: str) -> Registered | None:
        row = (
            await self.session.execute(
                select(
                    complaints.c.received_event_id, complaints.c.state, complaints.c.receiving_unit
                )
                .where(complaints.c.complaint_id == complaint_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        state = (
            from_json(row.state)
            if row.state
            else ComplaintState(  # registered before the command state was kept
                registered=True, receiving_unit=row.receiving_unit, involved=(row.receiving_unit,)
            )
        )
        return Registered(complaint_id, row.received_event_id, state)

    async def save_state(self, complaint_id: str, state: ComplaintState) -> None:
        await self.session.execute(
            update(complaints)
            .where(complaints.c.complaint_id == complaint_id)
            .values(state=to_json(state))
        )


class SqlRegistry(SqlCommandStore):
    """The `Registry` in PostgreSQL: the session's transaction, the service's outbox table."""

    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session)
        self.outbox = outbox

    async def register(
        self,
        *,
        complaint_id: str,
        receiving_unit: str,
        posted_by: str,
        received_event_id: str,
        state: ComplaintState,
        received_at: datetime | None = None,
        sealed: dict[str, Any] | None = None,
        wrapped_key: bytes | None = None,
    ) -> None:
        await self.session.execute(
            insert(complaints).values(
                complaint_id=complaint_id,
                receiving_unit=receiving_unit,
                posted_by=posted_by,
                received_event_id=received_event_id,
                state=to_json(state),
                received_at=received_at,
                sealed=sealed,
            )
        )
        if wrapped_key is not None:
            await self.session.execute(
                insert(data_keys).values(complaint_id=complaint_id, wrapped_key=wrapped_key)
            )

    async def locker(self, complaint_id: str) -> Locker | None:
        row = (
            await self.session.execute(
                select(complaints.c.sealed, complaints.c.erased_at, data_keys.c.wrapped_key)
                .select_from(
                    complaints.outerjoin(
                        data_keys, data_keys.c.complaint_id == complaints.c.complaint_id
                    )
                )
                .where(complaints.c.complaint_id == complaint_id)
            )
        ).first()
        if row is None:
            return None
        wrapped = bytes(row.wrapped_key) if row.wrapped_key is not None else None
        return Locker(row.sealed, wrapped, row.erased_at)

    async def erase(self, complaint_id: str, at: datetime) -> bool:
        erased = (
            await self.session.execute(
                update(complaints)
                .where(complaints.c.complaint_id == complaint_id, complaints.c.erased_at.is_(None))
                .values(erased_at=at, sealed=None)
                .returning(complaints.c.complaint_id)
            )
        ).first()
        await self.session.execute(
            delete(data_keys).where(data_keys.c.complaint_id == complaint_id)
        )
        await self.session.execute(
            delete(customer_keys).where(customer_keys.c.complaint_id == complaint_id)
        )
        return erased is not None

    async def due_for_erasure(self, received_before: datetime, limit: int) -> list[str]:
        c = complaints.c
        rows = await self.session.execute(
            select(c.complaint_id)
            .where(c.erased_at.is_(None), c.received_at < received_before)
            .order_by(c.received_at, c.complaint_id)
            .limit(limit)
        )
        return list(rows.scalars())

    async def claim_key(
        self, *, caller: str, scope: str, key: str, digest: str, complaint_id: str, event_id: str
    ) -> ClaimedKey | None:
        keys = idempotency_keys.c
        claimed = (
            await self.session.execute(
                insert(idempotency_keys)
                .values(
                    caller_unit=caller,
                    scope=scope,
                    key=key,
                    request_hash=digest,
                    complaint_id=complaint_id,
                    event_id=event_id,
                )
                .on_conflict_do_nothing()
                .returning(keys.key)
            )
        ).first()
        if claimed:
            return None
        earlier = (
            await self.session.execute(
                select(idempotency_keys).where(
                    keys.caller_unit == caller, keys.scope == scope, keys.key == key
                )
            )
        ).one()
        return ClaimedKey(earlier.request_hash, earlier.complaint_id, earlier.event_id)

    async def count_customer_complaints(
        self, *, customer_key: str, since: datetime, before: datetime
    ) -> int:
        # Released at commit or rollback; a hash collision only makes two customers wait. The
        # count below, a new statement under READ COMMITTED, sees what the last holder committed.
        await self.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(customer_key))))
        keys = customer_keys.c
        count = await self.session.scalar(
            select(func.count()).where(
                keys.customer_key == customer_key,
                keys.received_at >= since,
                keys.received_at < before,
            )
        )
        return count or 0

    async def remember_customer(
        self, *, complaint_id: str, customer_key: str, received_at: datetime
    ) -> None:
        await self.session.execute(
            insert(customer_keys).values(
                complaint_id=complaint_id, customer_key=customer_key, received_at=received_at
            )
        )

    async def append(self, envelope: Envelope) -> None:
        await self.outbox.append(self.session, [envelope])


def sql_transactions(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> Transactions:
    """`Transactions` on PostgreSQL: each a session in a transaction, committed on leaving."""

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Registry]:
        async with sessions.begin() as session:
            yield SqlRegistry(session, outbox)

    return transaction
