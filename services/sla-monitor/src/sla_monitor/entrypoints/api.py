"""The SLA monitor's HTTP API: a complaint's clocks, what is about to breach, what breached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from complaints_shared.http.auth import caller_unit
from complaints_shared.http.problems import Problem, field_error
from complaints_shared.organisation import Organisation

from ..adapters.tables import breaches, clocks

router = APIRouter(prefix="/v1")
Caller = Annotated[str, Depends(caller_unit)]


def _scope(org: Organisation, caller: str, unit: str | None) -> str:
    """The unit whose subtree is asked for: the caller's own unless it names one below it."""
    unit = unit or caller
    if unit not in org:
        raise Problem(
            422,
            "Invalid request",
            f"unknown unit {unit!r}",
            errors=[field_error("unit", f"unknown unit {unit!r}")],
        )
    if caller not in org or not org.is_self_or_above(caller, unit):
        raise Problem(403, "Forbidden", f"{caller} may not read the clocks of {unit}")
    return unit


def _in_subtree(org: Organisation, root: str, unit: str) -> bool:
    return unit in org and org.is_self_or_above(root, unit)


def _clock(row) -> dict:
    return {
        "name": row.clock,
        "run": row.run,
        "state": "breached" if row.breached and row.status == "running" else row.status,
        "breached": row.breached,
        "owner_unit": row.owner_unit,
        "started_at": row.started_at,
        "due_at": row.due_at,
        "remaining_seconds": row.remaining_seconds,
        "budget_seconds": row.budget_seconds,
        "calendar": row.calendar,
        "handling_level": row.handling_level,
    }


@router.get("/complaints/{complaint_id}/clocks")
async def complaint_clocks(complaint_id: str, request: Request, caller: Caller) -> dict:
    """Every clock of a complaint; a paused clock shows its remaining working time and the due
    time it would have if resumed now."""
    async with request.app.state.sessions() as session:
        rows = (
            await session.execute(select(clocks).where(clocks.c.complaint_id == complaint_id))
        ).all()
    org = request.app.state.org
    if rows and not any(_in_subtree(org, caller, row.owner_unit) for row in rows):
        raise Problem(404, "Unknown complaint", f"no clocks of {complaint_id} visible to {caller}")
    return {"complaint_id": complaint_id, "clocks": [_clock(row) for row in rows]}


@router.get("/sla/due")
async def due_soon(
    request: Request,
    caller: Caller,
    unit: str | None = None,
    within: Annotated[timedelta, Query(description="ISO 8601 duration or seconds")] = timedelta(
        hours=1
    ),
) -> dict:
    """Running clocks of the unit (and below) due within `within`, soonest first."""
    org = request.app.state.org
    root = _scope(org, caller, unit)
    now = datetime.now(UTC)
    async with request.app.state.sessions() as session:
        rows = (
            await session.execute(
                select(clocks)
                .where(clocks.c.status == "running", clocks.c.breached.is_(False))
                .where(clocks.c.due_at <= now + within)
                .order_by(clocks.c.due_at)
            )
        ).all()
    return {
        "unit": root,
        "within_seconds": int(within.total_seconds()),
        "clocks": [
            {"complaint_id": row.complaint_id, **_clock(row)}
            for row in rows
            if _in_subtree(org, root, row.owner_unit)
        ],
    }


@router.get("/sla/breaches")
async def breaches_between(
    request: Request,
    caller: Caller,
    unit: str | None = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
) -> dict:
    """Breaches of the unit's clocks (and below) whose due time lies in [from, to)."""
    org = request.app.state.org
    root = _scope(org, caller, unit)
    query = select(breaches).order_by(breaches.c.due_at)
    if from_ is not None:
        query = query.where(breaches.c.due_at >= from_)
    if to is not None:
        query = query.where(breaches.c.due_at < to)
    async with request.app.state.sessions() as session:
        rows = (await session.execute(query)).all()
    return {
        "unit": root,
        "breaches": [
            {
                "complaint_id": r.complaint_id,
                "clock": r.clock,
                "run": r.run,
                "owner_unit": r.owner_unit,
                "due_at": r.due_at,
            }
            for r in rows
            if _in_subtree(org, root, r.owner_unit)
        ],
    }
