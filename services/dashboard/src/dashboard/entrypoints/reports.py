"""The monthly reports under /v1/reports (docs/reports.md): the assessment of each unit and
handler, and the return-visit summary, as JSON, CSV, a printable Chinese page or a PDF.

The caller (a bearer token, or the page's session) reads the reports of its own unit or of a
unit below it; any other unit's report is not found (404). A bad `unit`, `month` or `format`
is a 422 problem naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict

from complaints_shared.http.openapi import problem_responses
from complaints_shared.http.problems import Problem, field_error

from ..domain.report_scope import ReportRefused, ReportScope, report_scope
from ..domain.scope import label
from ..service_layer.reports import ReportQueries
from .csv_format import csv_response
from .params import Caller, Org
from .report_csv import ASSESSMENT_COLUMNS, VISIT_COLUMNS, assessment_rows, return_visit_rows
from .report_print import render_html, render_pdf
from .report_sheet import Sheet, assessment_sheet, return_visit_sheet

router = APIRouter(prefix="/v1/reports")
ReportFormat = Annotated[
    Literal["json", "csv", "html", "pdf"],
    Query(description="json (default), csv (UTF-8 with a BOM), html (printable) or pdf"),
]
CONTENT = {
    "text/csv": {"schema": {"type": "string"}},
    "text/html": {"schema": {"type": "string"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}
PROBLEMS = problem_responses(401, 404, 422, 503)


class AssessmentReport(BaseModel):
    """The assessment (`format=json`): each row's figures are documented in docs/reports.md."""

    model_config = ConfigDict(extra="allow")

    unit: str
    month: str
    timezone: str
    units: list[dict[str, Any]]
    totals: dict[str, Any]
    handlers: list[dict[str, Any]]


class ReturnVisitReport(AssessmentReport):
    """The return-visit summary (`format=json`), with what customers asked for."""

    customer_asks: list[dict[str, Any]]


def queries_of(request: Request) -> ReportQueries:
    return request.app.state.reports


def scope_of(
    org: Org,
    caller: Caller,
    unit: Annotated[
        str | None, Query(description="the caller's unit or one below it; the caller's by default")
    ] = None,
    month: Annotated[
        str | None,
        Query(description="YYYY-MM, in the unit's local time; the current month by default"),
    ] = None,
) -> ReportScope:
    try:
        return report_scope(org, caller, unit, month, datetime.now(UTC))
    except ReportRefused as refused:
        if refused.status == 404:
            raise Problem(404, "Not found", str(refused)) from refused
        detail = f"{refused.field} {refused}"
        errors = [field_error(refused.field, str(refused))]
        raise Problem(422, "Invalid request", detail, errors=errors) from refused


Reports = Annotated[ReportQueries, Depends(queries_of)]
Scope = Annotated[ReportScope, Depends(scope_of)]


@router.get(
    "/assessment",
    response_model=AssessmentReport,
    responses={200: {"content": CONTENT}, **PROBLEMS},
)
async def assessment(scope: Scope, reports: Reports, org: Org, format: ReportFormat = "json"):
    """The month's assessment of every unit at or below `unit`, and of each handler of those
    units: complaints received (by category), valid and special, on-time rate of each clock,
    breaches attributed, time to start and to resolve (median, p90), satisfaction from return
    visits and repeat complainants."""
    report = await reports.assessment(scope)
    name = f"assessment-{scope.unit}-{scope.month}"
    if format == "csv":
        return csv_response(assessment_rows(report), ASSESSMENT_COLUMNS, f"{name}.csv")
    if format in ("html", "pdf"):
        return _printed(assessment_sheet(report, label(org, scope.unit)), format, name)
    return report


@router.get(
    "/return-visits",
    response_model=ReturnVisitReport,
    responses={200: {"content": CONTENT}, **PROBLEMS},
)
async def return_visits(scope: Scope, reports: Reports, org: Org, format: ReportFormat = "json"):
    """The month's return visits of every unit at or below `unit` and of each handler: due,
    made, on time, reaching the customer, satisfaction, and what customers asked for."""
    report = await reports.return_visits(scope)
    name = f"return-visits-{scope.unit}-{scope.month}"
    if format == "csv":
        return csv_response(return_visit_rows(report), VISIT_COLUMNS, f"{name}.csv")
    if format in ("html", "pdf"):
        return _printed(return_visit_sheet(report, label(org, scope.unit)), format, name)
    return report


def _printed(sheet: Sheet, format: str, name: str) -> Response:
    if format == "html":
        return HTMLResponse(render_html(sheet))
    return Response(
        render_pdf(sheet),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )
