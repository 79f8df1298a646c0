"""The monthly reports as CSV: one header row, one row per unit, handler and the totals (and,
in the return-visit summary, per customer request), numbers plain (rates as fractions 0-1,
durations in seconds); written with a BOM by `csv_format.csv_response`."""

from __future__ import annotations

from typing import Any

from complaints_shared.labels import CATEGORIES

from ..domain.assessment import CLOCKS, SCORES

Row = dict[str, Any]
HEAD = ("row", "unit", "label", "handler_id", "handler_name")
COUNTS = ("received", "taken", "repeat_complainants", "valid", "special", "breaches")
MEASURES = ("time_to_start", "time_to_resolve")
DURATION = ("count", "median_seconds", "p90_seconds")
SATISFACTION = (
    "satisfaction_count",
    "satisfaction_average",
    *(f"satisfaction_{n}" for n in SCORES),
)
ASSESSMENT_COLUMNS: tuple[str, ...] = (
    *HEAD,
    *COUNTS,
    *(f"clock_{c}_{m}" for c in CLOCKS for m in ("on_time", "late", "rate")),
    *(f"{m}_{d}" for m in MEASURES for d in DURATION),
    *SATISFACTION,
    *(f"category_{c}" for c in CATEGORIES),
)
VISIT_COUNTS = ("due", "made", "reached", "on_time", "late", "on_time_rate", "dissatisfied")
VISIT_COLUMNS: tuple[str, ...] = (
    *HEAD,
    *VISIT_COUNTS,
    *SATISFACTION,
    "complaint_id",
    "visited_at",
    "score",
    "customer_asks",
)


def _head(kind: str, row: Row) -> Row:
    handler = row.get("handler") or {}
    return {
        "row": kind,
        "unit": row.get("unit", ""),
        "label": row.get("label", ""),
        "handler_id": handler.get("id"),
        "handler_name": handler.get("name"),
    }


def _satisfaction(row: Row) -> Row:
    sat = row["satisfaction"]
    return {
        "satisfaction_count": sat["count"],
        "satisfaction_average": sat["average"],
        **{f"satisfaction_{n}": sat["distribution"][str(n)] for n in SCORES},
    }


def assessment_rows(report: Row) -> list[Row]:
    def flat(kind: str, row: Row) -> Row:
        out = {**_head(kind, row), **{k: row.get(k) for k in COUNTS}}
        for clock, figures in row["clocks"].items():
            for metric in ("on_time", "late", "rate"):
                out[f"clock_{clock}_{metric}"] = figures[metric]
        for measure in MEASURES:
            for name in DURATION:
                out[f"{measure}_{name}"] = row.get(measure, {}).get(name)
        for category, n in row["by_category"].items():
            out[f"category_{category}"] = n
        return {**out, **_satisfaction(row)}

    totals = {**report["totals"], "unit": report["unit"], "label": ""}
    return [
        *(flat("unit", r) for r in report["units"]),
        flat("total", totals),
        *(flat("handler", r) for r in report["handlers"]),
    ]


def return_visit_rows(report: Row) -> list[Row]:
    def flat(kind: str, row: Row) -> Row:
        return {**_head(kind, row), **{k: row[k] for k in VISIT_COUNTS}, **_satisfaction(row)}

    totals = {**report["totals"], "unit": report["unit"], "label": ""}
    asks = [
        {
            "row": "customer_asks",
            "unit": a["unit"],
            "label": a["label"],
            "complaint_id": a["complaint_id"],
            "visited_at": a["visited_at"],
            "score": a["satisfaction"],
            "customer_asks": a["customer_asks"],
        }
        for a in report["customer_asks"]
    ]
    return [
        *(flat("unit", r) for r in report["units"]),
        flat("total", totals),
        *(flat("handler", r) for r in report["handlers"]),
        *asks,
    ]
