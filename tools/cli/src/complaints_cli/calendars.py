"""`calendar check`: which years each calendar's public holidays are known for.

A calendar of the organisation file may merge in a shipped official schedule (`official: cn`,
from the installed `chinesecalendar` package, which covers the years whose announcement it has
seen) and list its own `holidays` and `workdays`. Outside the covered years every date counts as
an ordinary weekday or weekend, so deadlines there ignore holidays nobody has loaded: the check
warns when the coming days reach such a year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from complaints_shared.organisation import Organisation
from sla_monitor.domain.calendars import build_calendar
from sla_monitor.domain.official_holidays import covered_years

HORIZON_DAYS = 90


@dataclass(frozen=True)
class Coverage:
    name: str
    official: str | None
    official_years: range | None  # what the shipped schedule covers
    own_years: tuple[int, ...]  # years with dates listed in the file itself
    units: tuple[str, ...]  # units that name this calendar
    missing: tuple[int, ...] = ()  # years within the horizon that nothing covers
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def warning(self) -> bool:
        return bool(self.missing) or self.error is not None


def _years(start: date, days: int) -> list[int]:
    end = start + timedelta(days=days)
    return list(range(start.year, end.year + 1))


def check(
    org: Organisation,
    today: date,
    *,
    days: int = HORIZON_DAYS,
    covered: Callable[[str], range] = covered_years,
) -> list[Coverage]:
    """The coverage of every calendar of the file for the `days` from `today`."""
    needed = _years(today, days)
    report: list[Coverage] = []
    for name, spec in sorted(org.spec.calendars.items()):
        units = tuple(u.id for u in org.spec.units if u.calendar == name)
        try:
            build_calendar(spec, org.spec.timezone)  # the SLA monitor's own validation
            span = covered(spec.official) if spec.official is not None else None
        except ValueError as exc:
            report.append(Coverage(name, spec.official, None, (), units, error=str(exc)))
            continue
        own = tuple(sorted({date.fromisoformat(d).year for d in spec.holidays + spec.workdays}))
        if span is None:
            note = "no official schedule: only the holidays the file lists count"
            report.append(Coverage(name, None, None, own, units, notes=[note]))
            continue
        missing = tuple(y for y in needed if y not in span and y not in own)
        report.append(Coverage(name, spec.official, span, own, units, missing))
    return report
