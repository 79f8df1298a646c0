"""`GET /v1/calendar-horizon`: whether the working calendars know their public holidays for
the next 90 days (docs/operations.md#the-calendar-horizon). The page shows a banner from it.
Read by any signed-in caller (a bearer token or the page's session): it names calendars and
years, nothing of a complaint."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel

from complaints_shared.calendar_horizon import Today, today_in
from complaints_shared.http.openapi import problem_responses
from complaints_shared.workflow.calendar_coverage import horizon_report, organisation_coverage

from .params import Caller, Org

router = APIRouter(prefix="/v1")


class CalendarEntry(BaseModel):
    calendar: str
    covered_years: list[int]
    missing_years: list[int]
    warning: bool


class CalendarHorizon(BaseModel):
    horizon_days: int
    warning: bool
    calendars: list[CalendarEntry]


def _today(request: Request) -> date:
    today: Today | None = getattr(request.app.state, "calendar_today", None)
    return (today or today_in(request.app.state.org))()


@router.get(
    "/calendar-horizon",
    response_model=CalendarHorizon,
    responses=problem_responses(401),
)
async def calendar_horizon(request: Request, org: Org, caller: Caller) -> dict:
    """Which years each calendar covers and which years of the next 90 days it misses;
    `warning` when any calendar misses one (deadlines there count public holidays as
    working days)."""
    return horizon_report(organisation_coverage(org, _today(request)))
