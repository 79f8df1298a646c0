"""The SLA monitor's warning when its calendars do not cover the coming days: deadlines
computed there would count public holidays nobody has loaded as working days
(docs/operations.md#the-calendar-horizon). Logged at start and once a day after."""

from __future__ import annotations

import asyncio

from complaints_shared.calendar_horizon import Log, Today, log_covered_years
from complaints_shared.logging import get_logger
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.calendar_coverage import (
    HORIZON_DAYS,
    CalendarCoverage,
    Covered,
)
from complaints_shared.workflow.official_holidays import covered_years

DAY_SECONDS = 24 * 3600
ADVICE = (
    "upgrade chinesecalendar once it ships the year, or list that year's holidays and "
    "workdays in the calendar of the organisation file"
)


def check_calendar_horizon(
    org: Organisation,
    today: Today,
    *,
    days: int = HORIZON_DAYS,
    covered: Covered = covered_years,
    log: Log | None = None,
) -> tuple[CalendarCoverage, ...]:
    """Log the years each calendar covers, and a WARNING for each calendar that misses a year
    the next `days` reach (or that cannot be read)."""
    out = log or get_logger(__name__)
    coverages = log_covered_years(org, today=today(), days=days, covered=covered, log=out)
    for coverage in coverages:
        if coverage.error is not None:
            out.warning(
                "calendar unusable for the horizon",
                calendar=coverage.calendar,
                error=coverage.error,
            )
        elif coverage.missing_years:
            out.warning(
                "calendar does not cover the next days",
                calendar=coverage.calendar,
                official=coverage.official,
                horizon_days=days,
                missing_years=list(coverage.missing_years),
                advice=ADVICE,
            )
    return coverages


async def watch_calendar_horizon(
    org: Organisation,
    today: Today,
    *,
    every: float = DAY_SECONDS,
    covered: Covered = covered_years,
    log: Log | None = None,
) -> None:
    """Check again every `every` seconds, so a running monitor warns when the horizon reaches
    an uncovered year."""
    while True:
        await asyncio.sleep(every)
        check_calendar_horizon(org, today, covered=covered, log=log)
