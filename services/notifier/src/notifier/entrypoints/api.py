"""The notifier's HTTP API: who was told what, per complaint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from complaints_shared.http.auth import caller_unit

from ..adapters.tables import alerts

router = APIRouter(prefix="/v1")
Caller = Annotated[str, Depends(caller_unit)]


@router.get("/notifications")
async def list_notifications(
    request: Request, caller: Caller, complaint_id: Annotated[str, Query(min_length=1)]
) -> dict:
    """Every alert recorded for a complaint, oldest first (recipients masked)."""
    async with request.app.state.sessions() as session:
        rows = (
            await session.execute(
                select(alerts)
                .where(alerts.c.complaint_id == complaint_id)
                .order_by(alerts.c.created_at)
            )
        ).all()
    return {
        "complaint_id": complaint_id,
        "notifications": [
            {
                "alert_id": row.alert_id,
                "cause_type": row.cause_type,
                "recipient_unit": row.recipient_unit,
                "channel": row.channel,
                "recipient": row.recipient,
                "status": row.status,
                "attempts": row.attempts,
                "message": row.message,
                "created_at": row.created_at,
            }
            for row in rows
        ],
    }
