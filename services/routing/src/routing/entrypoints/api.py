"""Routing's HTTP API: explain where a would-be complaint goes and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from complaints_shared.contracts.complaint_events import Category, Channel, Flag, Kind, Severity
from complaints_shared.http.auth import caller_unit
from complaints_shared.http.openapi import problem_responses
from complaints_shared.http.problems import Problem, field_error
from complaints_shared.workflow.hierarchy import is_self_or_above

from ..domain.rules import RoutingFacts, route

router = APIRouter(prefix="/v1/routing")
Caller = Annotated[str, Depends(caller_unit)]


class RuleOutcomePublic(BaseModel):
    rule: str
    fired: bool
    reason: str


class Explanation(BaseModel):
    category: str  # as asked: no rule routes by it (the business line chooses the owner)
    owner_unit: str
    handling_level: str
    rule: str
    reason: str
    also_involved: list[str]
    reported_to: list[str]
    restricted: bool
    considered: list[RuleOutcomePublic]


@router.get(
    "/explain",
    response_model=Explanation,
    responses=problem_responses(401, 403, 422, 503),
)
async def explain(
    request: Request,
    caller: Caller,
    receiving_unit: Annotated[str, Query(min_length=1)],
    business_line: Annotated[str, Query(min_length=1)],
    channel: Channel,
    kind: Kind = "complaint",
    category: Category = "other",
    severity: Severity = "normal",
    flags: Annotated[list[Flag] | None, Query()] = None,
) -> Explanation:
    """The owner and handling level a complaint like this would get, with every rule considered
    in order and whether it fired; the category is shown as asked (what went wrong decides no
    owner: the business line does). Changes nothing."""
    org = request.app.state.org
    if receiving_unit not in org:
        raise Problem(
            422,
            "Invalid request",
            f"unknown unit {receiving_unit!r}",
            errors=[field_error("receiving_unit", f"unknown unit {receiving_unit!r}")],
        )
    if not is_self_or_above(org, caller, receiving_unit):
        raise Problem(403, "Forbidden", f"{caller} may explain only its own units' routing")
    decision = route(
        RoutingFacts(
            kind=kind,
            channel=channel,
            receiving_unit=receiving_unit,
            business_line=business_line,
            severity=severity,
            flags=frozenset(flags or ()),
        ),
        org,
    )
    return Explanation(
        category=category,
        owner_unit=decision.owner_unit,
        handling_level=decision.handling_level,
        rule=decision.rule,
        reason=decision.reason,
        also_involved=list(decision.also_involved),
        reported_to=list(decision.reported_to),
        restricted=decision.restricted,
        considered=[RuleOutcomePublic(**vars(c)) for c in decision.considered],
    )
