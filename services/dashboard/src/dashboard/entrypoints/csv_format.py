"""The same figures as CSV: the summary in long form, lists one row per complaint."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from fastapi.responses import Response

SUMMARY_COLUMNS = ("section", "dimension", "key", "label", "metric", "value")
CLASSIFICATION_METRICS = ("valid", "special", "unclassified")
VISIT_METRICS = ("due", "made", "on_time", "late", "overdue", "pending", "on_time_rate")
REPEAT_METRICS = ("received", "repeat", "repeat_share", "key_customer")
REPEAT_LIST_METRICS = (
    "receiving_unit",
    "received_at",
    "customer_name",
    "customer_phone",
    "key_customer",
    "prior_complaints",
)
EXTENSION_METRICS = (
    "extended_complaints",
    "requested",
    "pending",
    "approved",
    "refused",
    "cancelled",
    "on_time_extended",
)
Row = dict[str, Any]


def csv_response(
    rows: list[dict[str, Any]], columns: list[str] | tuple[str, ...], name: str
) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    # A BOM so that spreadsheet programs read the Chinese labels as UTF-8.
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return "" if value is None else value


def summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return list(_summary_rows(summary))


def _summary_rows(s: dict[str, Any]) -> Iterator[dict[str, Any]]:
    def row(section: str, dimension: str, key: str, label: str, metric: str, value: Any) -> Row:
        return dict(
            zip(SUMMARY_COLUMNS, (section, dimension, key, label, metric, value), strict=True)
        )

    for metric, value in s["live"]["totals"].items():
        yield row("live", "total", "", "", metric, value)
    for dimension in ("unit", "line", "channel", "category"):
        for r in s["live"][f"by_{dimension}"]:
            for metric in ("open", "due_soon", "breached"):
                yield row("live", dimension, r["key"], r.get("label", r["key"]), metric, r[metric])
    for r in s["at_risk"]:
        yield row(
            "at_risk",
            r["clock"],
            r["complaint_id"],
            r["owner_unit"],
            "seconds_left",
            r["seconds_left"],
        )
    received = s["received"]
    yield row("received", "total", "", "", "count", received["total"])
    for r in received["by_unit"]:
        yield row("received", "unit", r["key"], r["label"], "count", r["count"])
    for r in received["by_category"]:
        yield row("received", "category", r["key"], r["key"], "count", r["count"])
    for r in received["series"]:
        for day, n in zip(received["days"], r["counts"], strict=True):
            yield row("received_per_day", "unit", r["key"], r["label"], day, n)
    for r in s["on_time"]["rows"]:
        for clock, figures in r["clocks"].items():
            for metric, value in figures.items():
                yield row("on_time", clock, r["key"], r["label"], metric, value)
    for r in s["on_time"]["by_category"]:  # the dimension is the clock, as above
        for clock, figures in r["clocks"].items():
            for metric, value in figures.items():
                yield row("on_time_by_category", clock, r["key"], r["key"], metric, value)
    for measure, table in s["durations"].items():
        for metric, value in table["total"].items():
            yield row(f"time_to_{measure}", "total", "", "", metric, value)
        for r in table["rows"]:
            for metric in ("count", "median_seconds", "p90_seconds"):
                yield row(f"time_to_{measure}", "unit", r["key"], r["label"], metric, r[metric])
        for r in table["by_category"]:
            for metric in ("count", "median_seconds", "p90_seconds"):
                yield row(f"time_to_{measure}", "category", r["key"], r["key"], metric, r[metric])
    for metric in CLASSIFICATION_METRICS:
        yield row("classification", "total", "", "", metric, s["classification"][metric])
    for r in s["classification"]["by_category"]:
        for metric in CLASSIFICATION_METRICS:
            yield row("classification", "category", r["key"], r["key"], metric, r[metric])
    sat = s["satisfaction"]
    yield row("satisfaction", "total", "", "", "count", sat["count"])
    yield row("satisfaction", "total", "", "", "average", sat["average"])
    for score, n in sat["distribution"].items():
        yield row("satisfaction", "score", score, "", "count", n)
    for r in sat["rows"]:
        yield row("satisfaction", "unit", r["key"], r["label"], "count", r["count"])
        yield row("satisfaction", "unit", r["key"], r["label"], "average", r["average"])
        for score, n in r["distribution"].items():
            yield row("satisfaction", "unit", r["key"], r["label"], f"score_{score}", n)
    for r in sat["by_category"]:
        yield row("satisfaction", "category", r["key"], r["key"], "count", r["count"])
        yield row("satisfaction", "category", r["key"], r["key"], "average", r["average"])
        for score, n in r["distribution"].items():
            yield row("satisfaction", "category", r["key"], r["key"], f"score_{score}", n)
    visits = s["return_visits"]
    for metric, value in visits["total"].items():
        yield row("return_visits", "total", "", "", metric, value)
    for r in visits["rows"]:
        for metric in VISIT_METRICS:
            yield row("return_visits", "unit", r["key"], r["label"], metric, r[metric])
    for r in visits["by_category"]:
        for metric in VISIT_METRICS:
            yield row("return_visits", "category", r["key"], r["key"], metric, r[metric])
    repeats = s["repeat_complainants"]
    for metric, value in repeats["total"].items():
        yield row("repeat_complainants", "total", "", "", metric, value)
    for r in repeats["rows"]:
        for metric in REPEAT_METRICS:
            yield row("repeat_complainants", "unit", r["key"], r["label"], metric, r[metric])
    for r in repeats["by_category"]:
        for metric in REPEAT_METRICS:
            yield row("repeat_complainants", "category", r["key"], r["key"], metric, r[metric])
    extensions = s["extensions"]
    for metric in EXTENSION_METRICS:
        yield row("extensions", "total", "", "", metric, extensions["total"][metric])
    for r in extensions["rows"]:
        for metric in EXTENSION_METRICS:
            yield row("extensions", "unit", r["key"], r["label"], metric, r[metric])
    for r in extensions["by_category"]:
        for metric in EXTENSION_METRICS:
            yield row("extensions", "category", r["key"], r["key"], metric, r[metric])
    for r in repeats["complaints"] or ():  # the customer as the JSON has it: masked
        for metric in REPEAT_LIST_METRICS:
            yield row(
                "repeat_complaint",
                "complaint",
                r["complaint_id"],
                r["receiving_label"],
                metric,
                r[metric],
            )
