"""Whose monthly report a caller may read, the month's local bounds, and the rows (pure).

- A caller reads the reports of its own unit or of a unit below it; any other unit's report
  does not exist for it (404, as every read path answers what a caller may not see). An unknown
  unit is a bad request (422).
- A month is `YYYY-MM` in the local time of the report's unit (its own time zone, else the
  nearest ancestor's, else the organisation's): [first day 00:00, next month's first day 00:00).
- Rows are every unit of the report unit's subtree (itself first, then the organisation's
  order), each with its own figures, not its children's; handler rows are grouped by unit and
  handler id, and shown only for units the caller manages (itself or below it), with the
  handler's name as the shared rule lets the caller read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.handler_names import shown_handler
from complaints_shared.workflow.hierarchy import is_self_or_above, subtree, timezone_of

from .report_facts import Fact
from .scope import label

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 1970, 2999
F = TypeVar("F", bound=Fact)
Row = dict[str, Any]


class ReportRefused(Exception):
    """`status` 404 (a unit the caller may not read) or 422 (`field` is bad)."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


@dataclass(frozen=True)
class ReportScope:
    caller: str
    unit: str
    month: str  # YYYY-MM
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded
    zone: str

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


def parse_month(text: str) -> date:
    """The first day of `YYYY-MM`, or ReportRefused(422, "month")."""
    found = MONTH.match(text)
    year, month = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise ReportRefused(422, "month", "must be a month YYYY-MM between 1970-01 and 2999-12")
    return date(year, month, 1)


def month_bounds(first: date, zone: str) -> tuple[datetime, datetime]:
    """[start, end) of the local month beginning on `first`, as UTC instants."""
    tz = ZoneInfo(zone)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(following, datetime.min.time(), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def current_month(org: Organisation, unit: str, now: datetime) -> str:
    return now.astimezone(ZoneInfo(timezone_of(org, unit))).strftime("%Y-%m")


def report_scope(
    org: Organisation, caller: str, unit: str | None, month: str | None, now: datetime
) -> ReportScope:
    """The report `caller` asks for: `unit` (its own by default) and `month` (the current one
    by default)."""
    root = unit or caller
    if root not in org:
        raise ReportRefused(422, "unit", f"unknown unit {root!r}")
    if not is_self_or_above(org, caller, root):
        raise ReportRefused(404, "unit", f"no report of {root} visible here")
    chosen = month or current_month(org, root, now)
    zone = timezone_of(org, root)
    start, end = month_bounds(parse_month(chosen), zone)
    return ReportScope(caller, root, chosen, start, end, zone)


def units_of(org: Organisation, root: str) -> list[str]:
    """The report's units: `root` first, then every unit below it in the organisation's order."""
    below = subtree(org, root)
    return [root, *(u for u in org.units if u in below and u != root)]


def unit_rows(
    org: Organisation, root: str, facts: Iterable[F], figures: Callable[[list[F]], Row]
) -> list[Row]:
    """One row per unit of the report (those without a fact too), with `figures` of its facts."""
    by_unit: dict[str, list[F]] = {}
    for fact in facts:
        by_unit.setdefault(fact.unit, []).append(fact)
    return [
        {"unit": u, "label": label(org, u), "kind": org.unit(u).kind, **figures(by_unit.get(u, []))}
        for u in units_of(org, root)
    ]


def handler_rows(
    org: Organisation, scope: ReportScope, facts: Iterable[F], figures: Callable[[list[F]], Row]
) -> list[Row]:
    """One row per (unit, handler) with a fact naming the handler, for the units the caller
    manages; the handler's latest name, shown as the caller may read it."""
    order = {u: n for n, u in enumerate(units_of(org, scope.unit))}
    grouped: dict[tuple[str, str], list[F]] = {}
    names: dict[tuple[str, str], str | None] = {}
    for fact in sorted(facts, key=lambda f: (f.at, f.event_id, f.seq)):
        if fact.handler_id is None or fact.unit not in order:
            continue
        if not is_self_or_above(org, scope.caller, fact.unit):
            continue
        key = (fact.unit, fact.handler_id)
        grouped.setdefault(key, []).append(fact)
        names[key] = fact.handler_name or names.get(key)
    rows = []
    for unit, handler_id in sorted(grouped, key=lambda k: (order[k[0]], k[1])):
        handler = shown_handler(
            org, scope.caller, {"id": handler_id, "name": names[(unit, handler_id)]}, unit
        )
        rows.append(
            {
                "unit": unit,
                "label": label(org, unit),
                "handler": handler,
                **figures(grouped[(unit, handler_id)]),
            }
        )
    return rows
