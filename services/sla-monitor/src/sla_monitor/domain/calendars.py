"""Working calendars from the organisation file: a unit's own, or the nearest ancestor's."""

from __future__ import annotations

import re
from datetime import date, time

from complaints_shared.organisation import WEEKDAYS, CalendarSpec, Organisation
from complaints_shared.workflow.official_holidays import official_days

from .working_time import Calendar

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_MON_FRI = frozenset(range(5))


def parse_hours(text: str) -> tuple[time, time]:
    """Parse business hours like "09:00-12:00"; "24:00" ends at midnight and becomes 00:00."""
    match = _HOURS.match(text)
    if match is None:
        raise ValueError(f"business hours {text!r} are not like '09:00-12:00'")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"business hours {text!r} name a time that does not exist")
    return time(h1, m1), time(h2 % 24, m2)


def _dates(texts: tuple[str, ...], what: str) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(text) for text in texts)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}; use ISO dates like 2026-10-01") from exc


def build_calendar(spec: CalendarSpec, tz: str) -> Calendar:
    """A `Calendar` in zone `tz` from an organisation-file calendar.

    The shipped `official` schedule is merged in first; the spec's own `holidays` and
    `workdays` win over it, so a unit can, say, take a make-up Saturday off.
    """
    own_holidays = _dates(spec.holidays, "holidays")
    own_workdays = _dates(spec.workdays, "workdays")
    both = own_holidays & own_workdays
    if both:
        raise ValueError(f"dates listed as both holiday and workday: {sorted(map(str, both))}")
    holidays, workdays = own_holidays, own_workdays
    if spec.official is not None:
        official_holidays, official_workdays = official_days(spec.official)
        holidays |= official_holidays - own_workdays
        workdays |= official_workdays - own_holidays
    # The file may list hours in any order; the calendar wants them sorted.
    hours = tuple(sorted(parse_hours(text) for text in spec.hours))
    return Calendar(
        tz=tz,
        workweek=frozenset(WEEKDAYS.index(day) for day in spec.workweek),
        hours=hours,
        holidays=holidays,
        workdays=workdays,
    )


def calendar_for_unit(org: Organisation, unit_id: str) -> Calendar:
    """The working calendar of `unit_id`, inherited from the nearest ancestor that names one.

    A unit with no calendar anywhere up the tree works whole days Monday to Friday. The time
    zone is inherited the same way, falling back to the file's default. An unknown unit id
    raises KeyError.
    """
    tz = org.inherited(unit_id, "timezone")
    assert tz is not None  # `inherited` falls back to the file's time zone
    name = org.inherited(unit_id, "calendar")
    if name is None:
        return Calendar(tz=tz, workweek=_MON_FRI, hours=())
    try:
        return build_calendar(org.spec.calendars[name], tz)
    except ValueError as exc:
        raise ValueError(f"calendar {name!r} (used by unit {unit_id}): {exc}") from exc
