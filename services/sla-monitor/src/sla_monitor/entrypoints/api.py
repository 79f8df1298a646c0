"""The SLA monitor's HTTP API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from complaints_shared.http.auth import caller_unit

from ..adapters.tables import clocks

router = APIRouter(prefix="/v1")
Caller = Annotated[str, Depends(caller_unit)]


@router.get("/complaints/{complaint_id}/clocks")
async def complaint_clocks(complaint_id: str, request: Request, caller: Caller) -> dict:
    """Every clock of a complaint with its owner, due time and state."""
    async with request.app.state.sessions() as session:
        rows = (
            await session.execute(
                select(clocks).where(clocks.c.complaint_id == complaint_id).order_by(clocks.c.clock)
            )
        ).all()
    return {
        "complaint_id": complaint_id,
        "clocks": [
            {
                "name": row.clock,
                "state": row.state,
                "owner_unit": row.owner_unit,
                "started_at": row.started_at,
                "due_at": row.due_at,
                "budget_seconds": row.budget_seconds,
                "calendar": row.calendar,
            }
            for row in rows
        ],
    }
