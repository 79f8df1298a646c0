"""The calendar horizon at run time: today in the organisation's time zone, the start-up log
line of the years each calendar covers, and the coverage `/readyz` reports. The rule itself is
`workflow.calendar_coverage` (pure); this module only reads the wall clock and logs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from .logging import get_logger
from .organisation import Organisation
from .readiness import CalendarEntries
from .workflow.calendar_coverage import (
    HORIZON_DAYS,
    CalendarCoverage,
    Covered,
    describe_years,
    organisation_coverage,
)
from .workflow.official_holidays import covered_years

Today = Callable[[], date]


class Log(Protocol):
    def info(self, event: str, **fields: Any) -> Any: ...

    def warning(self, event: str, **fields: Any) -> Any: ...


def today_in(org: Organisation) -> Today:
    """Today's date where the organisation is (its file's time zone), read when called."""
    zone = ZoneInfo(org.spec.timezone)
    return lambda: datetime.now(zone).date()


def calendar_entries(
    org: Organisation,
    *,
    today: Today | None = None,
    days: int = HORIZON_DAYS,
    covered: Covered = covered_years,
) -> CalendarEntries:
    """What `/readyz` reports under `calendars`, computed for the day it is asked."""
    clock = today or today_in(org)

    def entries() -> list[dict[str, Any]]:
        coverages = organisation_coverage(org, clock(), days=days, covered=covered)
        return [coverage.as_json() for coverage in coverages]

    return entries


def log_covered_years(
    org: Organisation,
    *,
    today: date,
    days: int = HORIZON_DAYS,
    covered: Covered = covered_years,
    log: Log | None = None,
) -> tuple[CalendarCoverage, ...]:
    """One line per calendar at start: the years it covers and, if any, the years of the next
    `days` it misses."""
    out = log or get_logger(__name__)
    coverages = organisation_coverage(org, today, days=days, covered=covered)
    for coverage in coverages:
        out.info(
            "calendar coverage",
            calendar=coverage.calendar,
            official=coverage.official,
            covered_years="every year (no official schedule)"
            if coverage.complete
            else describe_years(coverage.covered_years),
            missing_years=list(coverage.missing_years),
        )
    return coverages
