"""Shipped public-holiday schedules: the official days off, and the weekend days worked instead.

"cn" is mainland China's schedule as the State Council announces it each year, read from the
installed `chinese_calendar` package (PyPI `chinesecalendar`). With chinesecalendar 1.11 it
covers 2004 to 2026 (the announcement for a year comes out in the November before);
`covered_years("cn")` computes the span from the installed data, and a test keeps this text
honest. Outside that span every date counts as an ordinary weekday or weekend, so a deadline
there ignores holidays nobody has loaded yet.

To add a year: upgrade `chinesecalendar` once it ships the new announcement, or until then
list the dates in the organisation file's calendar `holidays` and `workdays` (make-up working
days); those lists are merged on top of the shipped schedule and win over it.

Shared because several services need the years a schedule covers (`calendar_coverage`, the
calendar horizon); the SLA monitor builds its working calendars from `official_days`.
"""

from __future__ import annotations

from datetime import date

from chinese_calendar import constants as _cn

_SCHEDULES: dict[str, tuple[frozenset[date], frozenset[date]]] = {
    "cn": (frozenset(_cn.holidays), frozenset(_cn.workdays)),
}


def official_days(name: str) -> tuple[frozenset[date], frozenset[date]]:
    """The named schedule's (holidays, make-up working days); ValueError for an unknown name."""
    try:
        return _SCHEDULES[name]
    except KeyError:
        known = ", ".join(sorted(_SCHEDULES))
        raise ValueError(f"unknown official holiday schedule {name!r}; known: {known}") from None


def covered_years(name: str) -> range:
    """The years the named schedule has data for, first to last inclusive."""
    holidays, workdays = official_days(name)
    years = {d.year for d in holidays | workdays}
    return range(min(years), max(years) + 1)
