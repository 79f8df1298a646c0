"""Writing a complaint or an action: registry/idempotency rows and the event, one transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.messaging.outbox import Outbox

from ..adapters.tables import complaints, idempotency_keys

SOURCE = "/intake"


class IdempotencyConflict(Exception):
    """The key was used before with another body."""


class UnknownComplaint(Exception):
    pass


@dataclass(frozen=True)
class Accepted:
    complaint_id: str
    event_id: str
    replayed: bool = False


def request_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class Submissions:
    def __init__(self, sessions: async_sessionmaker, outbox: Outbox) -> None:
        self.sessions = sessions
        self.outbox = outbox

    async def submit_complaint(
        self, *, caller: str, event: Event, received_at: datetime, key: str | None, body: dict
    ) -> Accepted:
        complaint_id, event_id = new_id(), new_id()
        async with self.sessions.begin() as session:
            if key is not None:
                earlier = await self._claim_key(
                    session, caller, "complaints", key, request_hash(body), complaint_id, event_id
                )
                if earlier:
                    return earlier
            await session.execute(
                insert(complaints).values(
                    complaint_id=complaint_id,
                    receiving_unit=event.receiving_unit,
                    posted_by=caller,
                    received_event_id=event_id,
                )
            )
            await self.outbox.append(
                session, [_envelope(event_id, complaint_id, event, received_at)]
            )
        return Accepted(complaint_id, event_id)

    async def record_action(
        self,
        *,
        caller: str,
        complaint_id: str,
        event: Event,
        at: datetime,
        key: str | None,
        body: dict,
    ) -> Accepted:
        event_id = new_id()
        async with self.sessions.begin() as session:
            # Lock the complaint: one complaint's events enter the outbox in commit order.
            row = (
                await session.execute(
                    select(complaints.c.received_event_id)
                    .where(complaints.c.complaint_id == complaint_id)
                    .with_for_update()
                )
            ).first()
            if row is None:
                raise UnknownComplaint(complaint_id)
            if key is not None:
                scope = f"events:{complaint_id}"
                earlier = await self._claim_key(
                    session, caller, scope, key, request_hash(body), complaint_id, event_id
                )
                if earlier:
                    return earlier
            envelope = _envelope(event_id, complaint_id, event, at, correlation=row[0])
            await self.outbox.append(session, [envelope])
        return Accepted(complaint_id, event_id)

    async def _claim_key(
        self,
        session: AsyncSession,
        caller: str,
        scope: str,
        key: str,
        digest: str,
        complaint_id: str,
        event_id: str,
    ) -> Accepted | None:
        """Claim an idempotency key; return the earlier answer if it was claimed before."""
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
        if earlier.request_hash != digest:
            raise IdempotencyConflict(key)
        return Accepted(earlier.complaint_id, earlier.event_id, replayed=True)


def _envelope(
    event_id: str, complaint_id: str, event: Event, time: datetime, correlation: str | None = None
) -> Envelope:
    return Envelope(
        id=event_id,
        source=SOURCE,
        type=event.type_name(),
        subject=complaint_id,
        time=time,
        data=event.model_dump(mode="json"),
        correlation_id=correlation or event_id,
    )
