"""The monthly return-visit summary of each unit and handler (pure; docs/reports.md).

Visits are attributed to the complaint's owner and its handler when the fact happened: the
unit and the person whose handling the visit judges. Per row, over the month (business time):

- `due`: return visits whose due time fell in the month (as the clock was started);
- `made`, `reached`: visits recorded in the month, and those that reached the customer;
- `on_time`, `late`, `on_time_rate`: return-visit clocks decided in the month (met in time; or
  breached, or met late without a breach before);
- `satisfaction` (count, average, distribution 1-5) of the visits made that reached the
  customer, and `dissatisfied`, those scoring 1 or 2.

`customer_asks` lists what customers asked for on the visits made in the month (complaint,
unit, when, score); it holds no customer contact and is emptied when the customer's personal
data is erased.
"""

from __future__ import annotations

from typing import Any

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.local_time import local_to

from .assessment import satisfaction
from .report_facts import Fact
from .report_scope import ReportScope, handler_rows, unit_rows
from .scope import label
from .stats import OnTime

Row = dict[str, Any]
_KINDS = frozenset({"visit", "visit_due", "visit_outcome"})
COUNTS = ("due", "made", "reached", "on_time", "late", "dissatisfied")


def return_visit_report(org: Organisation, scope: ReportScope, facts: list[Fact]) -> Row:
    """The summary: `facts` are those of the month attributed to the report's units."""
    found = sorted(
        (f for f in facts if f.kind in _KINDS and scope.contains(f.at)),
        key=lambda f: (f.at, f.event_id, f.seq),
    )
    units = unit_rows(org, scope.unit, found, visit_figures)
    return {
        "unit": scope.unit,
        "month": scope.month,
        "timezone": scope.zone,
        "units": units,
        "totals": total(units),
        "handlers": handler_rows(org, scope, found, visit_figures),
        "customer_asks": [
            {
                "complaint_id": f.complaint_id,
                "unit": f.unit,
                "label": label(org, f.unit),
                "visited_at": local_to(org, scope.unit, f.at).isoformat(),
                "reached": f.reached,
                "satisfaction": f.satisfaction,
                "customer_asks": f.customer_asks,
            }
            for f in found
            if f.kind == "visit" and f.customer_asks
        ],
    }


def visit_figures(facts: list[Fact]) -> Row:
    visits = [f for f in facts if f.kind == "visit"]
    outcome = OnTime()
    for fact in facts:
        if fact.kind == "visit_outcome":
            outcome = outcome.add(fact.outcome or "")
    scores = [f.satisfaction for f in visits if f.reached]
    return {
        "due": sum(1 for f in facts if f.kind == "visit_due"),
        "made": len(visits),
        "reached": sum(1 for f in visits if f.reached),
        "on_time": outcome.on_time,
        "late": outcome.late,
        "on_time_rate": outcome.rate,
        "dissatisfied": sum(1 for s in scores if s is not None and s <= 2),
        "satisfaction": satisfaction(scores),
    }


def total(rows: list[Row]) -> Row:
    """The sum of the unit rows, the rate and the average recomputed."""
    counts = {k: sum(row[k] for row in rows) for k in COUNTS}
    decided = counts["on_time"] + counts["late"]
    scores = [
        int(score)
        for row in rows
        for score, n in row["satisfaction"]["distribution"].items()
        for _ in range(n)
    ]
    return {
        **counts,
        "on_time_rate": counts["on_time"] / decided if decided else None,
        "satisfaction": satisfaction(scores),
    }
