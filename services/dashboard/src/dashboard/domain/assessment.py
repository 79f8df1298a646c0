"""The monthly assessment of each unit and handler (pure; docs/reports.md#assessment).

Every figure counts report facts (`report_facts`) whose business time falls in the month:

- `received`, `by_category`, `repeat_complainants` (unit rows): the complaints the unit
  received in the month, by category, and those from a customer who complained in the 12
  months before; on handler rows the same three count the complaints the handler signed for
  or took over in the month (`taken`, on unit rows too: taken by the unit's handlers);
- `valid`, `special`: complaints classified in the month (the last classification of each in
  the month), attributed to the owner and its handler then;
- `clocks`: per clock, runs decided in the month: `late` at a breach, `on_time` when met
  without one, and the on-time `rate` (None without a decided run); `breaches`: the breaches in
  the month, attributed to the owning unit and the handler at that moment;
- `time_to_start`, `time_to_resolve`: count, median and p90 seconds of the durations that
  ended in the month;
- `satisfaction`: the return visits made in the month that reached the customer: count,
  average and distribution of the scores 1-5.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from complaints_shared.labels import CATEGORIES
from complaints_shared.organisation import Organisation

from .period import CLOCK_ORDER
from .report_facts import Fact
from .report_scope import ReportScope, handler_rows, unit_rows
from .stats import OnTime, durations

CLOCKS = (*CLOCK_ORDER, "investigate")
SCORES = tuple(range(1, 6))
Row = dict[str, Any]


class Received(NamedTuple):
    """What a complaint's `received` fact says, whenever it was received."""

    category: str
    repeat: bool


def received_of(facts: Iterable[Fact]) -> dict[str, Received]:
    return {
        f.complaint_id: Received(f.category or "other", f.repeat)
        for f in facts
        if f.kind == "received"
    }


def assessment(
    org: Organisation,
    scope: ReportScope,
    facts: list[Fact],
    received: Mapping[str, Received],
) -> Row:
    """The report: `facts` are those of the month attributed to the report's units (others are
    left out), `received` what each of their complaints' receipt said (`received_of`)."""
    facts = _last_classification(f for f in facts if scope.contains(f.at))
    known = {**received, **received_of(facts)}

    def unit_figures(found: list[Fact]) -> Row:
        complaints = [f.complaint_id for f in found if f.kind == "received"]
        return {"received": len(complaints), **figures(found, complaints, known)}

    def handler_figures(found: list[Fact]) -> Row:
        return figures(found, sorted({f.complaint_id for f in found if f.kind == "taken"}), known)

    units = unit_rows(org, scope.unit, facts, unit_figures)
    return {
        "unit": scope.unit,
        "month": scope.month,
        "timezone": scope.zone,
        "units": units,
        "totals": total(units),
        "handlers": handler_rows(org, scope, facts, handler_figures),
    }


def figures(facts: list[Fact], complaints: list[str], known: Mapping[str, Received]) -> Row:
    """The figures of one row: `complaints` are those its counts by category are made of."""
    by_category = dict.fromkeys(CATEGORIES, 0)
    repeat = 0
    for complaint_id in complaints:
        info = known.get(complaint_id, Received("other", False))
        by_category[info.category if info.category in by_category else "other"] += 1
        repeat += info.repeat
    return {
        "taken": len({f.complaint_id for f in facts if f.kind == "taken"}),
        "by_category": by_category,
        "repeat_complainants": repeat,
        "valid": sum(1 for f in facts if f.kind == "classified" and f.outcome == "valid"),
        "special": sum(1 for f in facts if f.kind == "classified" and f.outcome == "special"),
        "clocks": clocks(f for f in facts if f.kind == "clock"),
        "breaches": sum(1 for f in facts if f.kind == "clock" and f.breach),
        "time_to_start": _durations(facts, "start"),
        "time_to_resolve": _durations(facts, "resolve"),
        "satisfaction": satisfaction(f.satisfaction for f in facts if f.kind == "visit"),
    }


def clocks(facts: Iterable[Fact]) -> dict[str, dict[str, Any]]:
    """{clock: on_time, late, rate} for every known clock (and any other that occurs)."""
    table = {name: OnTime() for name in CLOCKS}
    for fact in facts:
        name = fact.name or ""
        table[name] = table.get(name, OnTime()).add(fact.outcome or "")
    return {name: value.as_dict() for name, value in table.items()}


def satisfaction(scores: Iterable[int | None]) -> Row:
    found = [s for s in scores if s is not None]
    return {
        "count": len(found),
        "average": round(sum(found) / len(found), 2) if found else None,
        "distribution": {str(n): found.count(n) for n in SCORES},
    }


def total(rows: list[Row]) -> Row:
    """The sum of the unit rows: counts added, rates and averages recomputed, durations left
    out (a median does not add up; each unit row has its own)."""
    clocks_total: dict[str, OnTime] = {}
    distribution = dict.fromkeys((str(n) for n in SCORES), 0)
    for row in rows:
        for name, value in row["clocks"].items():
            before = clocks_total.get(name, OnTime())
            clocks_total[name] = OnTime(
                before.on_time + value["on_time"], before.late + value["late"]
            )
        for score, n in row["satisfaction"]["distribution"].items():
            distribution[score] += n
    scores = [int(score) for score, n in distribution.items() for _ in range(n)]
    return {
        **{k: sum(row[k] for row in rows) for k in _COUNTS},
        "by_category": {c: sum(row["by_category"][c] for row in rows) for c in CATEGORIES},
        "clocks": {name: value.as_dict() for name, value in clocks_total.items()},
        "satisfaction": satisfaction(scores),
    }


_COUNTS = ("received", "taken", "repeat_complainants", "valid", "special", "breaches")


def _durations(facts: list[Fact], measure: str) -> dict[str, float | None]:
    seconds = [f.seconds for f in facts if f.kind == "sample" and f.name == measure]
    return durations([s for s in seconds if s is not None]).as_dict()


def _last_classification(facts: Iterable[Fact]) -> list[Fact]:
    """The facts, keeping of each complaint's classifications only the last (in the month)."""
    ordered = sorted(facts, key=lambda f: (f.at, f.event_id, f.seq))
    last = {f.complaint_id: f for f in ordered if f.kind == "classified"}
    return [f for f in ordered if f.kind != "classified" or last[f.complaint_id] is f]
