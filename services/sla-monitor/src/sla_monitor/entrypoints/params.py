"""Checking the API's query values: every bad value is a 4xx problem, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from complaints_shared.http.problems import Problem, field_error
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import is_self_or_above

MAX_WITHIN = timedelta(days=366)


def invalid(field: str, message: str) -> Problem:
    return Problem(
        422, "Invalid request", f"{field}: {message}", errors=[field_error(field, message)]
    )


def scope(org: Organisation, caller: str, unit: str | None) -> str:
    """The unit whose subtree is asked for: the caller's own unless it names one below it.
    An unknown unit is 422; a unit outside the caller's subtree 403."""
    unit = unit or caller
    if unit not in org:
        raise invalid("unit", f"unknown unit {unit!r}")
    if not is_self_or_above(org, caller, unit):
        raise Problem(403, "Forbidden", f"{caller} may not read the clocks of {unit}")
    return unit


def within(value: timedelta) -> timedelta:
    """A look-ahead between zero and a year."""
    if value < timedelta(0) or value > MAX_WITHIN:
        raise invalid("within", f"must lie between 0 and {MAX_WITHIN.days} days")
    return value


def instant(field: str, value: datetime | None) -> datetime | None:
    """An aware instant the database can hold (a time without an offset is ambiguous)."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise invalid(field, "must carry a UTC offset, e.g. 2026-10-08T16:00:00+08:00")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+08:00
        raise invalid(field, "out of range") from None
