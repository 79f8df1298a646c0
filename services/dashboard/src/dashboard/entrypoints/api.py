"""The dashboard's JSON (and CSV) under /v1/dashboard, scoped by the caller: a bearer token,
or the page's session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from complaints_shared.http.openapi import problem_responses
from complaints_shared.http.problems import Problem
from complaints_shared.workflow.hierarchy import subtree

from ..domain.scope import label
from .csv_format import SUMMARY_COLUMNS, csv_response, summary_rows
from .params import AsOf, Caller, CallerScope, Figures, Org, Queries, scope_for

router = APIRouter(prefix="/v1/dashboard")
Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]
LIST_COLUMNS = (
    "complaint_id",
    "received_at",
    "received_day",
    "kind",
    "channel",
    "business_line",
    "category",
    "severity",
    "receiving_unit",
    "owner_unit",
    "status",
    "live",
    "breached_clocks",
    "next_clock",
    "next_due_at",
    "classification",
    "satisfaction",
    "return_visits",
    "visit_reached",
    "visited_at",
    "visit_timeliness",
    "prior_complaints",
    "repeat_complainant",
    "key_customer",
    "start_seconds",
    "resolve_seconds",
)
CSV = {"text/csv": {"schema": {"type": "string"}}}  # `format=csv`, or the export


class CsvResponse(Response):
    """Documents an operation whose answer is CSV (the body is `csv_response`'s)."""

    media_type = "text/csv"


class DashboardSummary(BaseModel):
    """The page's figures (`format=json`); the members not named here are documented in
    docs/dashboard.md."""

    model_config = ConfigDict(extra="allow")

    scope: dict[str, Any]
    caller: str
    generated_at: str
    as_of: str | None
    period: dict[str, str]


class ComplaintList(BaseModel):
    """The open complaints behind a live count (`format=json`); each a row of the export's
    columns."""

    model_config = ConfigDict(extra="allow")

    scope: str
    as_of: str | None
    state: Literal["open", "due_soon", "breached"]
    dimension: Literal["unit", "line", "channel", "category"] | None
    key: str | None
    count: int
    complaints: list[dict[str, Any]]


FIGURE_PROBLEMS = problem_responses(401, 403, 422, 503)


@router.get(
    "/summary",
    responses={200: {"model": DashboardSummary, "content": CSV}, **FIGURE_PROBLEMS},
)
async def summary(q: Figures, queries: Queries, format: Format = "json"):
    """Every figure of the page: live counts by unit, line, channel and category, the at-risk
    list, and for complaints received in the period: counts per day, on-time rates, durations,
    classification, satisfaction (overall and per unit), return-visit timeliness, repeat
    complainants (per unit; for a province or HQ also their complaints, customer masked) and
    deadline extensions, each also `by_category`. With `as_of`, as the dashboard knew them at
    that moment."""
    figures = await queries.summary(q)
    if format == "csv":
        return csv_response(summary_rows(figures), SUMMARY_COLUMNS, "dashboard-summary.csv")
    return figures


@router.get(
    "/complaints",
    responses={200: {"model": ComplaintList, "content": CSV}, **FIGURE_PROBLEMS},
)
async def complaints(
    q: Figures,
    queries: Queries,
    state: Literal["open", "due_soon", "breached"] = "open",
    dimension: Literal["unit", "line", "channel", "category"] | None = None,
    key: str | None = None,
    format: Format = "json",
):
    """The open complaints behind a live count (e.g. `dimension=unit&key=YN-KM&state=breached`,
    `dimension=category&key=late_delivery`), soonest due first; with `as_of`, as the dashboard
    knew them at that moment."""
    rows = await queries.complaint_list(q, state, dimension, key)
    if format == "csv":
        return csv_response(rows, LIST_COLUMNS, f"complaints-{state}.csv")
    return {
        "scope": q.scope.root,
        "as_of": queries.local_time(q.scope.root, q.as_of),
        "state": state,
        "dimension": dimension,
        "key": key,
        "count": len(rows),
        "complaints": rows,
    }


@router.get("/export.csv", response_class=CsvResponse, responses=FIGURE_PROBLEMS)
async def export(q: Figures, queries: Queries):
    """One row per complaint received in the period, with the facts every figure is made of."""
    name = f"complaints-{q.scope.root}-{q.first.isoformat()}-{q.last.isoformat()}.csv"
    return csv_response(await queries.export(q), LIST_COLUMNS, name)


@router.get(
    "/complaints/{complaint_id}/timeline",
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def timeline(
    complaint_id: str, scope: CallerScope, queries: Queries, as_of: AsOf
) -> dict[str, Any]:
    """Every event (public fields only), the hand-offs, and how long each owner held it; 404
    when the complaint is unknown or the caller may not see it. With `as_of`, as the dashboard
    knew it then: the events recorded by that moment (404 if it had not recorded the complaint
    yet)."""
    found = None
    if "\x00" not in complaint_id:  # no complaint has one, and the database takes none
        found = await queries.timeline(
            scope.caller, complaint_id, as_of or datetime.now(UTC), as_of=as_of
        )
    if found is None:
        raise Problem(404, "Unknown complaint", f"no complaint {complaint_id} visible here")
    return found


@router.get("/scopes", responses=problem_responses(401, 403, 503))
async def scopes(caller: Caller, org: Org) -> dict[str, Any]:
    """The units the caller may narrow the dashboard to: its own and every one below it."""
    scope_for(org, caller, None)
    order = {unit: n for n, unit in enumerate(org.units)}
    units = sorted(subtree(org, caller), key=order.__getitem__)
    return {
        "caller": caller,
        "units": [
            {
                "key": u,
                "label": label(org, u),
                "kind": org.unit(u).kind,
                "depth": sum(1 for _ in org.ancestors(u)) - sum(1 for _ in org.ancestors(caller)),
            }
            for u in units
        ],
    }
