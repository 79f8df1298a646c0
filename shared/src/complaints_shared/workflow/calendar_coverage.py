"""The calendar horizon: which years each working calendar knows its public holidays for, and
whether the coming days reach a year it does not (docs/operations.md#the-calendar-horizon).

A calendar of the organisation file may merge in a shipped official schedule (`official: cn`,
see `official_holidays`) and list its own `holidays` and `workdays`. It covers a year when the
shipped schedule has that year or the file lists dates of it. Outside the covered years every
date counts as an ordinary weekday or weekend, so deadlines there ignore holidays nobody has
loaded. A calendar without an official schedule is taken as complete: its holidays are exactly
the ones the file lists, in any year, so it never warns. A calendar whose schedule is unknown,
or whose dates do not parse, covers only the years it lists and always warns.

The command line's `calendar check`, the services' start-up log lines and `/readyz`, the SLA
monitor's warning, the dashboard's `/v1/calendar-horizon` and the `calendar_uncovered` mark on
clocks all call these functions. Pure: `today` and the schedule's coverage are passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..organisation import CalendarSpec, Organisation
from .local_time import zone_of
from .official_holidays import covered_years

HORIZON_DAYS = 90
ROUND_THE_CLOCK = "24x7"  # the `calendar` of a clock on which every instant counts

Covered = Callable[[str], range]  # the years a shipped schedule covers; ValueError if unknown


@dataclass(frozen=True)
class CalendarCoverage:
    """One calendar's coverage for the horizon from `today`."""

    calendar: str
    official: str | None  # the shipped schedule merged in, if any
    official_years: range | None  # what that schedule covers (None: no schedule, or unknown)
    own_years: tuple[int, ...]  # years with dates listed in the file itself
    missing_years: tuple[int, ...] = ()  # years within the horizon that nothing covers
    error: str | None = None  # an unknown schedule or a date that does not parse

    @property
    def complete(self) -> bool:
        """No official schedule: the file's own lists are the whole calendar, every year."""
        return self.official is None and self.error is None

    @property
    def covered_years(self) -> tuple[int, ...]:
        official = tuple(self.official_years) if self.official_years is not None else ()
        return tuple(sorted({*official, *self.own_years}))

    @property
    def warning(self) -> bool:
        return bool(self.missing_years) or self.error is not None

    def covers(self, year: int) -> bool:
        if self.complete:
            return True
        in_official = self.official_years is not None and year in self.official_years
        return in_official or year in self.own_years

    def as_json(self) -> dict[str, Any]:
        """The entry of `/v1/calendar-horizon` and `/readyz`."""
        return {
            "calendar": self.calendar,
            "covered_years": list(self.covered_years),
            "missing_years": list(self.missing_years),
            "warning": self.warning,
        }


def horizon_years(today: date, days: int = HORIZON_DAYS) -> range:
    """The years the `days` from `today` (both ends included) touch."""
    return range(today.year, (today + timedelta(days=days)).year + 1)


def calendar_coverage(
    name: str,
    spec: CalendarSpec,
    today: date | None = None,
    *,
    days: int = HORIZON_DAYS,
    covered: Covered = covered_years,
) -> CalendarCoverage:
    """The coverage of the calendar `name` of the file for the `days` from `today` (without
    `today`, which years it covers only: no missing years)."""
    own: set[int] = set()
    bad: list[str] = []
    for text in (*spec.holidays, *spec.workdays):
        try:
            own.add(date.fromisoformat(text).year)
        except ValueError:
            bad.append(text)
    error = f"dates that are not ISO dates like 2026-10-01: {bad}" if bad else None
    official_years: range | None = None
    if spec.official is not None:
        try:
            official_years = covered(spec.official)
        except ValueError as exc:
            error = str(exc)
    coverage = CalendarCoverage(
        calendar=name,
        official=spec.official,
        official_years=official_years,
        own_years=tuple(sorted(own)),
        error=error,
    )
    if today is None:
        return coverage
    missing = tuple(y for y in horizon_years(today, days) if not coverage.covers(y))
    return CalendarCoverage(
        calendar=name,
        official=spec.official,
        official_years=official_years,
        own_years=coverage.own_years,
        missing_years=missing,
        error=error,
    )


def organisation_coverage(
    org: Organisation,
    today: date,
    *,
    days: int = HORIZON_DAYS,
    covered: Covered = covered_years,
) -> tuple[CalendarCoverage, ...]:
    """The coverage of every calendar of the file, by name."""
    return tuple(
        calendar_coverage(name, spec, today, days=days, covered=covered)
        for name, spec in sorted(org.spec.calendars.items())
    )


def coverage_by_calendar(
    org: Organisation, *, covered: Covered = covered_years
) -> dict[str, CalendarCoverage]:
    """Which years each calendar covers, by name, for `run_uncovered` (no day involved)."""
    return {
        name: calendar_coverage(name, spec, covered=covered)
        for name, spec in org.spec.calendars.items()
    }


def horizon_report(
    coverages: Iterable[CalendarCoverage], days: int = HORIZON_DAYS
) -> dict[str, Any]:
    """The answer of `GET /v1/calendar-horizon`: `warning` when any calendar warns."""
    entries = [coverage.as_json() for coverage in coverages]
    return {
        "horizon_days": days,
        "warning": any(entry["warning"] for entry in entries),
        "calendars": entries,
    }


def describe_years(years: Iterable[int]) -> str:
    """Years as runs for a log line: (2004, ..., 2026, 2028) -> "2004-2026, 2028"."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) or "none"


def run_uncovered(
    org: Organisation,
    coverages: Mapping[str, CalendarCoverage],
    calendar: str | None,
    start: datetime | None,
    end: datetime | None,
) -> bool:
    """Whether a clock's run from `start` to `end` (its due time) reaches a date in a year its
    working calendar does not cover. `calendar` is the clock's as the SLA monitor announced it:
    `ROUND_THE_CLOCK` (never uncovered) or the unit whose calendar it runs on, read in that
    unit's time zone. A unit without a calendar up the tree works Monday to Friday with no
    holidays at all, and a clock of unknown calendar or without both times, is never marked."""
    if calendar is None or calendar == ROUND_THE_CLOCK or start is None or end is None:
        return False
    if calendar not in org.units:
        return False
    name = org.inherited(calendar, "calendar")
    coverage = coverages.get(name) if name is not None else None
    if coverage is None:
        return False
    zone = zone_of(org, calendar)
    first, last = sorted((start.astimezone(zone).year, end.astimezone(zone).year))
    return any(not coverage.covers(year) for year in range(first, last + 1))
