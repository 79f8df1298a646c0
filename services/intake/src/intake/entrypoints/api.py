"""Intake's HTTP contract (ARCHITECTURE.md §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from complaints_shared.contracts.complaint_events import UNIT_ACTIONS, ComplaintReceived
from complaints_shared.http.auth import caller_unit
from complaints_shared.http.problems import Problem, field_error
from complaints_shared.organisation import Organisation

from ..domain.admission import Refusal, check_action, check_complaint, may_read
from ..service_layer.queries import Queries
from ..service_layer.submissions import (
    Accepted,
    IdempotencyConflict,
    Submissions,
    UnknownComplaint,
)
from .schemas import ActionCreate, ComplaintCreate, ComplaintPublic, EventAccepted, TimelinePublic

router = APIRouter(prefix="/v1")
Caller = Annotated[str, Depends(caller_unit)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="the same key with the same body returns the same ids",
    ),
]


def _org(request: Request) -> Organisation:
    return request.app.state.org


def _submissions(request: Request) -> Submissions:
    return request.app.state.submissions


def _queries(request: Request) -> Queries:
    return request.app.state.queries


def _skew(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.clock_skew_seconds)


Org = Annotated[Organisation, Depends(_org)]
Writes = Annotated[Submissions, Depends(_submissions)]
Reads = Annotated[Queries, Depends(_queries)]
Skew = Annotated[timedelta, Depends(_skew)]


def _refuse(refusals: list[Refusal]) -> None:
    if not refusals:
        return
    forbidden = [r for r in refusals if r.status == 403]
    chosen = forbidden or refusals
    errors = [field_error(r.field or "body", r.message) for r in chosen]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    if forbidden:
        raise Problem(403, "Forbidden", detail, errors=errors)
    raise Problem(422, "Invalid request", detail, errors=errors)


def _accepted(accepted: Accepted) -> JSONResponse:
    return JSONResponse(
        {"complaint_id": accepted.complaint_id, "event_id": accepted.event_id},
        status_code=202,
        headers={"Location": f"/v1/complaints/{accepted.complaint_id}"},
    )


@router.post("/complaints", status_code=202, response_model=EventAccepted)
async def submit_complaint(
    body: ComplaintCreate,
    caller: Caller,
    org: Org,
    writes: Writes,
    skew: Skew,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a complaint or inquiry received by a unit; 202 once it is safely recorded."""
    _refuse(
        check_complaint(
            org,
            caller=caller,
            receiving_unit=body.receiving_unit,
            business_line=body.business_line,
            received_at=body.received_at,
            now=datetime.now(UTC),
            skew=skew,
        )
    )
    event = ComplaintReceived(**body.model_dump(), posted_by=caller)
    try:
        accepted = await writes.submit_complaint(
            caller=caller,
            event=event,
            received_at=body.received_at,
            key=idempotency_key,
            body=body.model_dump(mode="json"),
        )
    except IdempotencyConflict as exc:
        raise Problem(409, "Idempotency key reused", "this key was used with another body") from exc
    return _accepted(accepted)


@router.post("/complaints/{complaint_id}/events", status_code=202, response_model=EventAccepted)
async def post_action(
    complaint_id: str,
    body: ActionCreate,
    caller: Caller,
    org: Org,
    writes: Writes,
    skew: Skew,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a unit's action on a complaint (accepted, transfer_requested, resolved, …)."""
    _refuse(
        check_action(
            org, caller=caller, unit=body.unit, at=body.at, now=datetime.now(UTC), skew=skew
        )
    )
    data = body.model_dump(exclude={"type"})
    event = UNIT_ACTIONS[body.type](**data, posted_by=caller)
    try:
        accepted = await writes.record_action(
            caller=caller,
            complaint_id=complaint_id,
            event=event,
            at=body.at,
            key=idempotency_key,
            body=body.model_dump(mode="json"),
        )
    except UnknownComplaint as exc:
        raise Problem(404, "Unknown complaint", f"no complaint {complaint_id}") from exc
    except IdempotencyConflict as exc:
        raise Problem(409, "Idempotency key reused", "this key was used with another body") from exc
    return _accepted(accepted)


async def _readable(complaint_id: str, caller: str, org: Organisation, reads: Queries) -> dict:
    complaint = await reads.complaint(complaint_id)
    if complaint is None or not may_read(
        org, caller, complaint["units_involved"], restricted=complaint.get("restricted", False)
    ):
        raise Problem(404, "Unknown complaint", f"no complaint {complaint_id} visible to {caller}")
    return complaint


@router.get("/complaints/{complaint_id}", response_model=ComplaintPublic)
async def get_complaint(complaint_id: str, caller: Caller, org: Org, reads: Reads) -> dict:
    """Status, owner, handling level and every clock, from intake's projection of the log."""
    return await _readable(complaint_id, caller, org, reads)


@router.get("/complaints/{complaint_id}/timeline", response_model=TimelinePublic)
async def get_timeline(complaint_id: str, caller: Caller, org: Org, reads: Reads) -> dict:
    """Every event in log order, the hand-offs, and how long each unit held the complaint."""
    await _readable(complaint_id, caller, org, reads)
    return await reads.timeline(complaint_id, datetime.now(UTC))
