"""`calendar check`: which years each calendar's public holidays are known for.

The rule (which years a calendar covers, which years of the coming days it misses) is the
shared one, `complaints_shared.workflow.calendar_coverage`, which the services' `/readyz`, the
SLA monitor's warning and the dashboard's `/v1/calendar-horizon` answer with too. The command
adds the units that name each calendar and the SLA monitor's own validation of the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.calendar_coverage import (
    HORIZON_DAYS,
    CalendarCoverage,
    Covered,
    calendar_coverage,
)
from complaints_shared.workflow.official_holidays import covered_years
from sla_monitor.domain.calendars import build_calendar

__all__ = ["HORIZON_DAYS", "Coverage", "check"]

NO_OFFICIAL = "no official schedule: only the holidays the file lists count"


@dataclass(frozen=True)
class Coverage:
    coverage: CalendarCoverage
    units: tuple[str, ...]  # units that name this calendar
    invalid: str | None = None  # what the SLA monitor refuses in the calendar

    @property
    def name(self) -> str:
        return self.coverage.calendar

    @property
    def official(self) -> str | None:
        return self.coverage.official

    @property
    def official_years(self) -> range | None:
        return self.coverage.official_years

    @property
    def own_years(self) -> tuple[int, ...]:
        return self.coverage.own_years

    @property
    def missing(self) -> tuple[int, ...]:
        return self.coverage.missing_years

    @property
    def error(self) -> str | None:
        return self.invalid or self.coverage.error

    @property
    def notes(self) -> list[str]:
        return [NO_OFFICIAL] if self.coverage.complete else []

    @property
    def warning(self) -> bool:
        return self.coverage.warning or self.invalid is not None


def check(
    org: Organisation,
    today: date,
    *,
    days: int = HORIZON_DAYS,
    covered: Covered = covered_years,
) -> list[Coverage]:
    """The coverage of every calendar of the file for the `days` from `today`."""
    report: list[Coverage] = []
    for name, spec in sorted(org.spec.calendars.items()):
        units = tuple(u.id for u in org.spec.units if u.calendar == name)
        try:
            build_calendar(spec, org.spec.timezone)  # the SLA monitor's own validation
            invalid = None
        except ValueError as exc:
            invalid = str(exc)
        coverage = calendar_coverage(name, spec, today, days=days, covered=covered)
        report.append(Coverage(coverage, units, invalid))
    return report
