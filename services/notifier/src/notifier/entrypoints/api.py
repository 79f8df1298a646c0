"""The notifier's HTTP API: who was told what, per complaint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from complaints_shared.http.auth import caller_unit

from ..adapters import facts as facts_store
from ..adapters.tables import alerts
from ..domain.recipients import may_read

router = APIRouter(prefix="/v1")
Caller = Annotated[str, Depends(caller_unit)]


@router.get("/notifications")
async def list_notifications(
    request: Request, caller: Caller, complaint_id: Annotated[str, Query(min_length=1)]
) -> dict:
    """Every alert recorded for a complaint, oldest first (recipients masked).

    `status` is `pending` (due or retrying), `folded` (waiting for its recipient's digest),
    `sent`, `failed` or `cancelled` (a later escalation step the stopped clock made moot);
    `scheduled_for` is when a later escalation step is due. A caller sees the alerts of a
    complaint it, or a unit below it, is involved in or was told of (a restricted one: only
    when involved or told itself, or head office); for any other complaint the list is empty.
    """
    async with request.app.state.sessions() as session:
        rows = (
            await session.execute(
                select(alerts).where(alerts.c.complaint_id == complaint_id).order_by(alerts.c.seq)
            )
        ).all()
        facts = await facts_store.load(session, complaint_id)
    involved = {row.recipient_unit for row in rows} | (facts.involved if facts else set())
    restricted = facts is not None and facts.restricted
    if not may_read(request.app.state.org, caller, involved, restricted=restricted):
        rows = []
    return {
        "complaint_id": complaint_id,
        "notifications": [
            {
                "alert_id": row.alert_id,
                "cause_type": row.cause_type,
                "cause_event_id": row.cause_event_id,
                "recipient_unit": row.recipient_unit,
                "role": row.role,
                "channel": row.channel,
                "recipient": row.recipient,
                "status": row.status,
                "attempts": row.attempts,
                "clock": row.clock,
                "subject": row.subject,
                "message": row.message,
                "scheduled_for": row.scheduled_for,
                "sent_at": row.sent_at,
                "reason": row.reason,
                "created_at": row.created_at,
            }
            for row in rows
        ],
    }
