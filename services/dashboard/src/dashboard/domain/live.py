"""Live figures: what is open now, what falls due within the hour, what breached, at risk.

`now` is passed in: these figures are an observation of the projected state at that instant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from .model import ClockRun, Complaint

STATES = ("open", "due_soon", "breached")
# Clocks that run once the complaint is resolved (a return visit falls due after the reply):
# the at-risk list shows them on a resolved complaint too, and the store loads every complaint
# with one of them running (`ProjectionReader.in_scope`).
AFTER_RESOLUTION = frozenset({"return_visit"})


def run_breached(run: ClockRun, now: datetime) -> bool:
    """An active run that breached, or a running one past its due time (breach on its way)."""
    if not run.active:
        return False
    return run.breached or (run.state == "running" and run.due_at is not None and run.due_at <= now)


def run_due_soon(run: ClockRun, now: datetime, soon: timedelta) -> bool:
    return (
        run.state == "running"
        and not run.breached
        and run.due_at is not None
        and now < run.due_at <= now + soon
    )


def live_states(complaint: Complaint, now: datetime, soon: timedelta) -> set[str]:
    """Which of `open`, `due_soon`, `breached` the complaint is in (the last two may overlap)."""
    if not complaint.open:
        return set()
    states = {"open"}
    if any(run_breached(run, now) for run in complaint.runs):
        states.add("breached")
    if any(run_due_soon(run, now, soon) for run in complaint.runs):
        states.add("due_soon")
    return states


def count_by(
    complaints: Iterable[Complaint],
    key: Callable[[Complaint], str | None],
    now: datetime,
    soon: timedelta,
) -> dict[str, dict[str, int]]:
    """{key: {open, due_soon, breached}} over the open complaints."""
    table: dict[str, dict[str, int]] = {}
    for complaint in complaints:
        states = live_states(complaint, now, soon)
        if not states:
            continue
        row = table.setdefault(key(complaint) or "", dict.fromkeys(STATES, 0))
        for state in states:
            row[state] += 1
    return table


def totals(complaints: Iterable[Complaint], now: datetime, soon: timedelta) -> dict[str, int]:
    return count_by(complaints, lambda _: "all", now, soon).get("all", dict.fromkeys(STATES, 0))


def at_risk(
    complaints: Iterable[Complaint], now: datetime, limit: int
) -> list[tuple[Complaint, ClockRun, str]]:
    """Active clocks of open complaints, and due return visits of resolved ones, soonest due
    first: (complaint, run, state) where state is `breached`, `running` or `paused` (a paused
    clock shows the due time it would have)."""
    rows = []
    for complaint in complaints:
        if not complaint.registered:
            continue
        for run in complaint.runs:
            if not complaint.open and run.clock not in AFTER_RESOLUTION:
                continue
            if run.active and run.due_at is not None:
                state = "breached" if run_breached(run, now) else run.state
                rows.append((complaint, run, state))
    rows.sort(key=lambda row: (row[1].due_at, row[0].complaint_id, row[1].clock))
    return rows[:limit]


def matches(
    complaint: Complaint,
    state: str,
    now: datetime,
    soon: timedelta,
    key: Callable[[Complaint], str | None] | None = None,
    value: str | None = None,
) -> bool:
    """For the lists behind the counts: in `state`, and (if given) `key(complaint) == value`."""
    if state not in live_states(complaint, now, soon):
        return False
    return key is None or (key(complaint) or "") == value
