"""Intake's HTTP contract: registration, actions under the workflow, and the reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from complaints_shared.contracts.base import AwareDatetime
from complaints_shared.contracts.complaint_events import UNIT_ACTIONS
from complaints_shared.http.auth import caller_unit
from complaints_shared.http.openapi import problem_responses
from complaints_shared.http.problems import Problem, field_error
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.visibility import sight_of

from ..adapters.worklist import WorklistFilter
from ..domain.admission import Refusal, check_action, check_complaint
from ..domain.personal_data import Registration
from ..service_layer.personal_data import Forbidden, Gone, PersonalDataService
from ..service_layer.queries import NoHistory, NotVisible, Queries
from ..service_layer.submissions import (
    ActionRefused,
    IdempotencyConflict,
    Recorded,
    Submissions,
    UnknownComplaint,
)
from .schemas import (
    ActionCreate,
    ComplaintCreate,
    ComplaintPublic,
    ContactPublic,
    ErasureAccepted,
    ErasureCreate,
    EventAccepted,
    TimelinePublic,
    WorklistPublic,
)
from .worklist_params import (
    Dissatisfied,
    Limit,
    Statuses,
    UnitParam,
    check_unit,
    decode_cursor,
    encode_cursor,
    statuses_of,
)

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


def _personal_data(request: Request) -> PersonalDataService:
    return request.app.state.personal_data


def _skew(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.clock_skew_seconds)


Org = Annotated[Organisation, Depends(_org)]
Writes = Annotated[Submissions, Depends(_submissions)]
Reads = Annotated[Queries, Depends(_queries)]
Skew = Annotated[timedelta, Depends(_skew)]
PersonalDataOps = Annotated[PersonalDataService, Depends(_personal_data)]


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


def _not_found(complaint_id: str, caller: str) -> Problem:
    return Problem(404, "Unknown complaint", f"no complaint {complaint_id} visible to {caller}")


def _refused(refused: ActionRefused, complaint_id: str, caller: str) -> Problem:
    why = refused.refused
    if why.status == 404:
        return _not_found(complaint_id, caller)
    if why.status == 403:
        return Problem(403, "Forbidden", why.reason)
    return Problem(
        409,
        "Not allowed now",
        why.reason,
        extensions={
            "complaint_status": why.complaint_status,
            "allowed_actions": list(why.allowed_actions),
        },
        headers={"Retry-After": "1"} if why.retry else None,
    )


def _accepted(recorded: Recorded) -> JSONResponse:
    return JSONResponse(
        {"complaint_id": recorded.complaint_id, "event_id": recorded.event_id},
        status_code=202,
        headers={"Location": f"/v1/complaints/{recorded.complaint_id}"},
    )


@router.post(
    "/complaints",
    status_code=202,
    response_model=EventAccepted,
    responses=problem_responses(401, 403, 409, 413, 422, 429, 503),
)
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
    registration = Registration(**body.model_dump(), posted_by=caller)
    try:
        recorded = await writes.submit_complaint(
            caller=caller,
            registration=registration,
            received_at=body.received_at,
            key=idempotency_key,
            body=body.model_dump(mode="json"),
        )
    except IdempotencyConflict as exc:
        raise Problem(409, "Idempotency key reused", "this key was used with another body") from exc
    return _accepted(recorded)


@router.post(
    "/complaints/{complaint_id}/events",
    status_code=202,
    response_model=EventAccepted,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 429, 503),
)
async def post_action(
    complaint_id: str,
    body: ActionCreate,
    caller: Caller,
    org: Org,
    writes: Writes,
    skew: Skew,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a unit's action, if the workflow allows it now: 404 for a complaint the caller
    may not see, 403 for an action it may not take, 409 for one the status does not allow
    (with `complaint_status` and `allowed_actions`; `Retry-After` while routing has not yet
    assigned the complaint). A refused action records nothing."""
    _refuse(
        check_action(
            org, caller=caller, unit=body.unit, at=body.at, now=datetime.now(UTC), skew=skew
        )
    )
    data = body.model_dump(exclude={"type"})
    event = UNIT_ACTIONS[body.type](**data, posted_by=caller)
    try:
        recorded = await writes.record_action(
            caller=caller,
            complaint_id=complaint_id,
            action=body.type,
            event=event,
            at=body.at,
            key=idempotency_key,
            body=body.model_dump(mode="json"),
        )
    except UnknownComplaint as exc:
        raise _not_found(complaint_id, caller) from exc
    except ActionRefused as exc:
        raise _refused(exc, complaint_id, caller) from exc
    except IdempotencyConflict as exc:
        raise Problem(409, "Idempotency key reused", "this key was used with another body") from exc
    return _accepted(recorded)


@router.get(
    "/complaints",
    response_model=WorklistPublic,
    responses=problem_responses(401, 403, 422, 429, 503),
)
async def worklist(
    caller: Caller,
    org: Org,
    reads: Reads,
    owner_unit: UnitParam = None,
    awaiting: UnitParam = None,
    receiving_unit: UnitParam = None,
    handler: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    status: Statuses = None,
    due_before: Annotated[AwareDatetime | None, Query()] = None,
    dissatisfied: Dissatisfied = False,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict:
    """The complaints the caller may see, soonest due first (complaints without a running
    clock last); `awaiting=` a unit: those on which it has something to do; `dissatisfied=true`:
    the supervision line's list of dissatisfied customers."""
    sight = sight_of(org, caller)
    for field, unit in (
        ("owner_unit", owner_unit),
        ("awaiting", awaiting),
        ("receiving_unit", receiving_unit),
    ):
        check_unit(org, sight, field, unit)
    wanted = WorklistFilter(
        statuses=statuses_of(status, dissatisfied=dissatisfied),
        owner_unit=owner_unit,
        awaiting=awaiting,
        receiving_unit=receiving_unit,
        handler=handler,
        due_before=due_before,
        dissatisfied=dissatisfied,
    )
    items, following = await reads.worklist(sight, wanted, decode_cursor(cursor), limit)
    return {"items": items, "next_cursor": encode_cursor(following) if following else None}


AsOf = Annotated[
    AwareDatetime | None,
    Query(
        description="an ISO 8601 time with its offset: the complaint as intake knew it then "
        "(the events it had recorded by then, by record time); not in the future"
    ),
]


def _moment(as_of: datetime | None, skew: timedelta) -> datetime | None:
    """`as_of`, refused (422) when it lies in the future beyond the clock skew."""
    if as_of is not None and as_of > datetime.now(UTC) + skew:
        message = "lies in the future"
        raise Problem(
            422,
            "Invalid request",
            f"query.as_of: {message}",
            errors=[field_error("query.as_of", message)],
        )
    return as_of


def _no_history(complaint_id: str) -> Problem:
    message = "intake kept no history of this complaint that far back"
    return Problem(
        422,
        "Invalid request",
        f"query.as_of: {message}",
        errors=[field_error("query.as_of", message)],
    )


@router.get(
    "/complaints/{complaint_id}",
    response_model=ComplaintPublic,
    responses=problem_responses(401, 404, 422, 503),
)
async def get_complaint(
    complaint_id: str, caller: Caller, reads: Reads, skew: Skew, as_of: AsOf = None
) -> dict:
    """Status, owner, handler, handling level and every clock, from intake's projection;
    `?as_of=` as it stood at that moment (404 before the complaint was recorded)."""
    moment = _moment(as_of, skew)
    try:
        return await reads.complaint(caller, complaint_id, moment)
    except NotVisible as exc:
        raise _not_found(complaint_id, caller) from exc
    except NoHistory as exc:
        raise _no_history(complaint_id) from exc


@router.get(
    "/complaints/{complaint_id}/timeline",
    response_model=TimelinePublic,
    responses=problem_responses(401, 404, 422, 503),
)
async def get_timeline(
    complaint_id: str, caller: Caller, reads: Reads, skew: Skew, as_of: AsOf = None
) -> dict:
    """Every event in log order, the hand-offs, and how long each unit held the complaint;
    `?as_of=` only what had been recorded by that moment."""
    moment = _moment(as_of, skew)
    try:
        return await reads.timeline(caller, complaint_id, datetime.now(UTC), moment)
    except NotVisible as exc:
        raise _not_found(complaint_id, caller) from exc
    except NoHistory as exc:
        raise _no_history(complaint_id) from exc


Reason = Annotated[
    str,
    Query(min_length=1, max_length=500, description="why the contact is read (recorded)"),
]


@router.get(
    "/complaints/{complaint_id}/customer",
    response_model=ContactPublic,
    responses=problem_responses(401, 403, 404, 410, 422, 503),
)
async def get_customer(
    complaint_id: str, caller: Caller, personal_data: PersonalDataOps, reason: Reason
) -> dict:
    """The customer's full contact (name, phone, email), for the owning unit and the units
    above it: 404 for a complaint the caller may not see, 403 for another unit that may see
    it, 410 once the personal data is erased. Every read appends `personal_data.read` (who,
    when, why) to the log."""
    try:
        read = await personal_data.read_contact(
            caller=caller, complaint_id=complaint_id, reason=reason
        )
    except UnknownComplaint as exc:
        raise _not_found(complaint_id, caller) from exc
    except Forbidden as exc:
        raise Problem(403, "Forbidden", str(exc)) from exc
    except Gone as exc:
        raise Problem(410, "Personal data erased", str(exc)) from exc
    return {
        "complaint_id": complaint_id,
        "name": read.name,
        "phone": read.phone,
        "email": read.email,
        "read_event_id": read.event_id,
    }


@router.post(
    "/complaints/{complaint_id}/erasure",
    status_code=202,
    response_model=ErasureAccepted,
    responses=problem_responses(401, 403, 404, 413, 422, 429, 503),
)
async def erase_personal_data(
    complaint_id: str, body: ErasureCreate, caller: Caller, personal_data: PersonalDataOps
) -> JSONResponse:
    """Erase the customer's personal data (crypto-shredding: the complaint's data key is
    destroyed, the masked customer leaves every view; the complaint still counts), by HQ or the
    receiving unit's province company or its customer-service department: 202, and 202 again
    for a repeat, which changes nothing; 404 / 403 as for actions."""
    try:
        erased = await personal_data.erase(
            caller=caller, complaint_id=complaint_id, reason=body.reason
        )
    except UnknownComplaint as exc:
        raise _not_found(complaint_id, caller) from exc
    except Forbidden as exc:
        raise Problem(403, "Forbidden", str(exc)) from exc
    return JSONResponse(
        {"complaint_id": complaint_id, "erased": True, "already_erased": not erased},
        status_code=202,
    )
