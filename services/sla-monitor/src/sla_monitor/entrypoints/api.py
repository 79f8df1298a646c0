"""The SLA monitor's HTTP API: a complaint's clocks, what is about to breach, what breached.

Only complaints the caller may see exist for it; times are in the local offset of the clock's
owner unit (docs/workflow.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from complaints_shared.http.auth import caller_unit
from complaints_shared.http.openapi import problem_responses
from complaints_shared.http.problems import Problem
from complaints_shared.workflow.hierarchy import subtree

from ..adapters.clock_queries import ClockReads
from . import params
from .views import breach_view, clock_view, due_view, visible, visible_rows

router = APIRouter(prefix="/v1")
Caller = Annotated[str, Depends(caller_unit)]


def clock_reads(request: Request) -> ClockReads:
    """The reads wired in `bootstrap` (SQL in the service, a fake in unit tests)."""
    reads: ClockReads = request.app.state.clock_reads
    return reads


Reads = Annotated[ClockReads, Depends(clock_reads)]


@router.get("/complaints/{complaint_id}/clocks", responses=problem_responses(401, 404, 422, 503))
async def complaint_clocks(
    complaint_id: str, request: Request, caller: Caller, reads: Reads
) -> dict[str, Any]:
    """Every clock of a complaint; a paused clock shows its remaining working time and the due
    time it would have if resumed now. 404 when unknown or not visible to the caller."""
    org = request.app.state.org
    state, rows = await reads.complaint(complaint_id)
    if not visible(org, caller, state):
        raise Problem(404, "Unknown complaint", f"no complaint {complaint_id}")
    return {"complaint_id": complaint_id, "clocks": [clock_view(org, row) for row in rows]}


@router.get("/sla/due", responses=problem_responses(401, 403, 422, 503))
async def due_soon(
    request: Request,
    caller: Caller,
    reads: Reads,
    unit: str | None = None,
    within: Annotated[timedelta, Query(description="ISO 8601 duration or seconds")] = timedelta(
        hours=1
    ),
) -> dict[str, Any]:
    """Running clocks of the unit (and below) due within `within`, soonest first."""
    org = request.app.state.org
    root = params.scope(org, caller, unit)
    within = params.within(within)
    rows = await reads.due(subtree(org, root), datetime.now(UTC) + within)
    return {
        "unit": root,
        "within_seconds": int(within.total_seconds()),
        "clocks": [due_view(org, row.values) for row in visible_rows(org, caller, rows)],
    }


@router.get("/sla/breaches", responses=problem_responses(401, 403, 422, 503))
async def breaches_between(
    request: Request,
    caller: Caller,
    reads: Reads,
    unit: str | None = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
) -> dict[str, Any]:
    """Breaches of the unit's clocks (and below) whose due time lies in [from, to)."""
    org = request.app.state.org
    root = params.scope(org, caller, unit)
    start, end = params.instant("from", from_), params.instant("to", to)
    rows = await reads.breaches(subtree(org, root), start, end)
    return {
        "unit": root,
        "breaches": [
            breach_view(org, row.values, caller=caller, state=row.state)
            for row in visible_rows(org, caller, rows)
        ],
    }
