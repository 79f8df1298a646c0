"""Figures over a period: the complaints *received* on its local days, and what became of them.

One rule for every period figure, so they add up: the period selects complaints by the local
day (in the receiving unit's time zone) they were received on; their clocks, durations,
classifications and return visits are then counted whenever those happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from .model import Complaint
from .stats import OnTime, days, durations, local_day

CLOCK_ORDER = ("transfer", "start", "resolve", "inquiry_reply", "committed", "customer")
MEASURES = ("start", "resolve")


def cohort(
    complaints: Iterable[Complaint], first: date, last: date, zone: Callable[[str | None], str]
) -> list[Complaint]:
    """The registered complaints received on a local day from `first` to `last`."""
    return [c for c in complaints if c.registered and first <= received_day(c, zone) <= last]


def received_day(complaint: Complaint, zone: Callable[[str | None], str]) -> date:
    assert complaint.received_at is not None
    return local_day(complaint.received_at, zone(complaint.receiving_unit))


def clock_names(complaints: Iterable[Complaint]) -> list[str]:
    seen = {run.clock for c in complaints for run in c.runs}
    known = [name for name in CLOCK_ORDER if name in seen]
    return known + sorted(seen - set(CLOCK_ORDER))


def on_time_by(
    complaints: Iterable[Complaint], group: Callable[[str], str]
) -> dict[str, dict[str, OnTime]]:
    """{group of the clock's owner: {clock: OnTime}} over every run of the complaints."""
    table: dict[str, dict[str, OnTime]] = {}
    for complaint in complaints:
        for run in complaint.runs:
            row = table.setdefault(group(run.owner_unit), {})
            row[run.clock] = row.get(run.clock, OnTime()).add(run.verdict)
    return table


def seconds_by(
    complaints: Iterable[Complaint], measure: str, group: Callable[[str], str]
) -> dict[str, list[int]]:
    table: dict[str, list[int]] = {}
    for complaint in complaints:
        for sample in complaint.samples:
            if sample.measure == measure:
                table.setdefault(group(sample.unit), []).append(sample.seconds)
    return table


def durations_of(
    table: dict[str, list[int]],
) -> tuple[dict[str, dict[str, float | None]], dict[str, float | None]]:
    """({key: count, median and p90 seconds}, the same over every key)."""
    rows = {key: durations(values).as_dict() for key, values in table.items()}
    total = durations([v for values in table.values() for v in values]).as_dict()
    return rows, total


def classification(complaints: Iterable[Complaint]) -> dict[str, int]:
    counts = {"valid": 0, "special": 0, "unclassified": 0}
    for complaint in complaints:
        counts[complaint.classification or "unclassified"] += 1
    return counts


def satisfaction(complaints: Iterable[Complaint]) -> dict[str, Any]:
    scores = [c.satisfaction for c in complaints if c.satisfaction is not None]
    return {
        "count": len(scores),
        "average": sum(scores) / len(scores) if scores else None,
        "distribution": {str(n): scores.count(n) for n in range(1, 6)},
    }


def received_series(
    complaints: Iterable[Complaint],
    first: date,
    last: date,
    zone: Callable[[str | None], str],
    group: Callable[[str], str],
) -> tuple[list[date], dict[str, list[int]]]:
    """Complaints received per local day, one series per group of the receiving unit."""
    period = days(first, last)
    index = {day: n for n, day in enumerate(period)}
    series: dict[str, list[int]] = {}
    for complaint in complaints:
        counts = series.setdefault(group(complaint.receiving_unit or ""), [0] * len(period))
        counts[index[received_day(complaint, zone)]] += 1
    return period, series


def received_by_unit(complaints: Iterable[Complaint]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for complaint in complaints:
        unit = complaint.receiving_unit or ""
        counts[unit] = counts.get(unit, 0) + 1
    return counts
