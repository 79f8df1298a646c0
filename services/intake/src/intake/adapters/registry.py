"""The command side's rows: each complaint intake registered, with its current state, and the
idempotency keys of requests. Everything here runs inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.workflow.lifecycle import ComplaintState, from_json, to_json

from .tables import complaints, idempotency_keys


@dataclass(frozen=True)
class Registered:
    complaint_id: str
    received_event_id: str
    state: ComplaintState


@dataclass(frozen=True)
class ClaimedKey:
    request_hash: str
    complaint_id: str
    event_id: str


class CommandStore(Protocol):
    """The command state of complaints, as the consumer folds other services' events in."""

    async def lock(self, complaint_id: str) -> Registered | None: ...

    async def save_state(self, complaint_id: str, state: ComplaintState) -> None: ...


class SqlCommandStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, complaint_id: str) -> Registered | None:
        return await lock(self.session, complaint_id)

    async def save_state(self, complaint_id: str, state: ComplaintState) -> None:
        await save_state(self.session, complaint_id, state)


async def register(
    session: AsyncSession,
    *,
    complaint_id: str,
    receiving_unit: str,
    posted_by: str,
    received_event_id: str,
    state: ComplaintState,
) -> None:
    await session.execute(
        insert(complaints).values(
            complaint_id=complaint_id,
            receiving_unit=receiving_unit,
            posted_by=posted_by,
            received_event_id=received_event_id,
            state=to_json(state),
        )
    )


async def lock(session: AsyncSession, complaint_id: str) -> Registered | None:
    """The complaint's row, locked until the transaction ends: one complaint's actions are
    decided one after another, against the state the previous one left."""
    row = (
        await session.execute(
            select(complaints.c.received_event_id, complaints.c.state, complaints.c.receiving_unit)
            .where(complaints.c.complaint_id == complaint_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        return None
    state = (
        from_json(row.state)
        if row.state
        else ComplaintState(
            registered=True, receiving_unit=row.receiving_unit, involved=(row.receiving_unit,)
        )
    )
    return Registered(complaint_id, row.received_event_id, state)


async def save_state(session: AsyncSession, complaint_id: str, state: ComplaintState) -> None:
    await session.execute(
        update(complaints)
        .where(complaints.c.complaint_id == complaint_id)
        .values(state=to_json(state))
    )


async def claim_key(
    session: AsyncSession,
    *,
    caller: str,
    scope: str,
    key: str,
    digest: str,
    complaint_id: str,
    event_id: str,
) -> ClaimedKey | None:
    """Claim an idempotency key; None when it is new, else what it was claimed with before."""
    claimed = (
        await session.execute(
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
            .returning(idempotency_keys.c.key)
        )
    ).first()
    if claimed:
        return None
    earlier = (
        await session.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.caller_unit == caller,
                idempotency_keys.c.scope == scope,
                idempotency_keys.c.key == key,
            )
        )
    ).one()
    return ClaimedKey(earlier.request_hash, earlier.complaint_id, earlier.event_id)
