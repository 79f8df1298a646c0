"""Reading a complaint's alerts for the API (the SQL behind `GET /v1/notifications`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

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


async def alerts_of(session: AsyncSession, complaint_id: str) -> list[Row]:
    """Every alert recorded for a complaint, in the order they were recorded."""
    statement = select(*LISTED).where(alerts.c.complaint_id == complaint_id).order_by(alerts.c.seq)
    return list((await session.execute(statement)).all())
