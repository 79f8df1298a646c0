"""Reading a complaint and its alerts for the API (the SQL behind `GET /v1/notifications`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..domain.facts import ComplaintFacts
from . import facts
from .tables import alerts

LISTED = (
    alerts.c.alert_id,
    alerts.c.cause_type,
    alerts.c.cause_event_id,
    alerts.c.recipient_unit,
    alerts.c.role,
    alerts.c.channel,
    alerts.c.recipient,  # masked
    alerts.c.status,
    alerts.c.attempts,
    alerts.c.clock,
    alerts.c.subject,
    alerts.c.message,
    alerts.c.scheduled_for,
    alerts.c.sent_at,
    alerts.c.reason,
    alerts.c.created_at,
)
LISTED_NAMES = tuple(column.name for column in LISTED)


class NotificationReads(Protocol):
    """What the API reads: a complaint's facts (who may see it) and its alerts."""

    async def facts(self, complaint_id: str) -> ComplaintFacts | None: ...

    async def alerts_of(self, complaint_id: str) -> list[dict[str, Any]]:
        """Every alert recorded for a complaint, in the order they were recorded, with the
        fields of `LISTED_NAMES` (recipients masked)."""
        ...


# Opens reads for one request: `async with open_reads() as reads: …`.
OpenReads = Callable[[], AbstractAsyncContextManager[NotificationReads]]


class SqlNotificationReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def facts(self, complaint_id: str) -> ComplaintFacts | None:
        return await facts.load(self.session, complaint_id)

    async def alerts_of(self, complaint_id: str) -> list[dict[str, Any]]:
        statement = (
            select(*LISTED).where(alerts.c.complaint_id == complaint_id).order_by(alerts.c.seq)
        )
        return [row._asdict() for row in (await self.session.execute(statement)).all()]


def sql_reads(sessions: async_sessionmaker[AsyncSession]) -> OpenReads:
    @asynccontextmanager
    async def open_reads() -> AsyncIterator[NotificationReads]:
        async with sessions() as session:
            yield SqlNotificationReads(session)

    return open_reads
