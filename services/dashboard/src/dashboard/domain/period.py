"""Figures over a period: the complaints *received* on its local days, and what became of them.

One rule for every period figure, so they add up: the period selects complaints by the local
day (in the receiving unit's time zone) they were received on; their clocks, durations,
classifications and return visits are then counted whenever those happened. Figures about the
customer (satisfaction, return visits, repeat complainants) are grouped by the receiving unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from .live import run_breached
from .model import EXTENSION_OUTCOMES, ClockRun, Complaint
from .stats import OnTime, days, durations, local_day

CLOCK_ORDER = (
    "transfer",
    "start",
    "resolve",
    "inquiry_reply",
    "committed",
    "customer",
    "return_visit",
)
MEASURES = ("start", "resolve")
VISIT_CLOCK = "return_visit"
SCORES = tuple(range(1, 6))
# A due return visit is made on time or late, or not made yet: overdue or still in time.
VISIT_VERDICTS = ("on_time", "late", "overdue", "pending")


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
    """Scores of return visits that reached the customer (the latest such one per complaint):
    how many, their average and how many of each score 1-5."""
    scores = [c.satisfaction for c in complaints if c.satisfaction is not None]
    return {
        "count": len(scores),
        "average": sum(scores) / len(scores) if scores else None,
        "distribution": {str(n): scores.count(n) for n in SCORES},
    }


def satisfaction_by(
    complaints: Iterable[Complaint], group: Callable[[str], str]
) -> dict[str, dict[str, Any]]:
    """`satisfaction` per group of the receiving unit, for groups with a score."""
    by_group: dict[str, list[Complaint]] = {}
    for complaint in complaints:
        if complaint.satisfaction is not None:
            by_group.setdefault(group(complaint.receiving_unit or ""), []).append(complaint)
    return {key: satisfaction(found) for key, found in by_group.items()}


def visit_verdict(run: ClockRun, now: datetime) -> str | None:
    """What became of one due return visit (a `return_visit` clock run) at `now`: `on_time`,
    `late` (made after its due time), `overdue` (not made and past due), `pending` (not made,
    still in time), or None when the visit was no longer due (its clock cancelled)."""
    if run.state == "met":
        return "late" if run.late or run.breached else "on_time"
    if run.active:
        return "overdue" if run_breached(run, now) else "pending"
    return None


def visit_timeliness(verdicts: Iterable[str | None]) -> dict[str, Any]:
    """Visits due, made, on time, late, overdue and still in time; the on-time rate is the
    visits made on time over those made or overdue (None when there are none)."""
    counts = dict.fromkeys(VISIT_VERDICTS, 0)
    for verdict in verdicts:
        if verdict is not None:
            counts[verdict] += 1
    decided = counts["on_time"] + counts["late"] + counts["overdue"]
    return {
        "due": sum(counts.values()),
        "made": counts["on_time"] + counts["late"],
        **counts,
        "on_time_rate": counts["on_time"] / decided if decided else None,
    }


def visits_by(
    complaints: Iterable[Complaint], group: Callable[[str], str], now: datetime
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """(`visit_timeliness` per group of the receiving unit, the same over every group) from
    every run of the `return_visit` clock."""
    verdicts: dict[str, list[str | None]] = {}
    for complaint in complaints:
        for run in complaint.runs:
            if run.clock == VISIT_CLOCK:
                key = group(complaint.receiving_unit or "")
                verdicts.setdefault(key, []).append(visit_verdict(run, now))
    rows = {key: visit_timeliness(found) for key, found in verdicts.items()}
    return rows, visit_timeliness(v for found in verdicts.values() for v in found)


EXTENSION_FIGURES = (
    "extended_complaints",
    "requested",
    *EXTENSION_OUTCOMES,
    "on_time_extended",
)


def extensions_by(
    complaints: Iterable[Complaint], group: Callable[[str], str]
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """(per group, over every group): `extended_complaints`, the complaints with an approved
    extension; `requested` and by outcome (`pending`, `approved`, `refused`, `cancelled`), the
    extension requests; `on_time_extended`, the resolve clock runs met on time only thanks to
    an extension (they count as on time in `on_time_by` too).

    Requests group by the unit that asked; a complaint counts once in each group one of its
    approved requests came from (once in all); runs group by their owner, as `on_time_by`."""
    table: dict[str, dict[str, int]] = {}
    total = dict.fromkeys(EXTENSION_FIGURES, 0)

    def row(unit: str) -> dict[str, int]:
        return table.setdefault(group(unit), dict.fromkeys(EXTENSION_FIGURES, 0))

    for complaint in complaints:
        extended: set[str] = set()
        for request in complaint.extension_requests:
            for counts in (row(request.unit), total):
                counts["requested"] += 1
                counts[request.outcome] += 1
            if request.outcome == "approved":
                extended.add(group(request.unit))
        for key in extended:
            table[key]["extended_complaints"] += 1
        total["extended_complaints"] += bool(extended)
        for run in complaint.runs:
            if run.on_time_by_extension:
                row(run.owner_unit)["on_time_extended"] += 1
                total["on_time_extended"] += 1
    return table, total


def repeat_counts(complaints: Iterable[Complaint]) -> dict[str, Any]:
    """Complaints received, those from repeat complainants (and their share), and those from
    key customers."""
    found = list(complaints)
    repeat = sum(c.repeat_complainant for c in found)
    return {
        "received": len(found),
        "repeat": repeat,
        "repeat_share": repeat / len(found) if found else None,
        "key_customer": sum(c.key_customer for c in found),
    }


def repeat_by(
    complaints: Iterable[Complaint], group: Callable[[str], str]
) -> dict[str, dict[str, Any]]:
    """`repeat_counts` per group of the receiving unit."""
    by_group: dict[str, list[Complaint]] = {}
    for complaint in complaints:
        by_group.setdefault(group(complaint.receiving_unit or ""), []).append(complaint)
    return {key: repeat_counts(found) for key, found in by_group.items()}


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


def by_category(complaints: Iterable[Complaint]) -> dict[str, list[Complaint]]:
    """The complaints per category ("" for one projected before the category was kept): each
    period figure's breakdown by category is that figure over each part."""
    parts: dict[str, list[Complaint]] = {}
    for complaint in complaints:
        parts.setdefault(complaint.category or "", []).append(complaint)
    return parts


def received_by_unit(complaints: Iterable[Complaint]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for complaint in complaints:
        unit = complaint.receiving_unit or ""
        counts[unit] = counts.get(unit, 0) + 1
    return counts
