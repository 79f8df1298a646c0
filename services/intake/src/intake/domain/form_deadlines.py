"""The deadlines part of the handling form: each clock's latest run, as the SLA monitor's events
tell it (no calendar arithmetic here: due times and margins are the events' own)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

DeadlineStatus = Literal["met", "missed", "running", "cancelled"]
CLOCK_EVENTS = frozenset(
    {
        "sla.clock_started",
        "sla.clock_paused",
        "sla.clock_resumed",
        "sla.clock_rescheduled",
        "sla.breached",
        "sla.clock_stopped",
    }
)


@dataclass(frozen=True)
class Deadline:
    """A clock's latest run as the SLA monitor reported it."""

    name: str
    owner_unit: str
    started_at: datetime | None
    due_at: datetime | None
    status: DeadlineStatus
    stopped_at: datetime | None = None
    # Working seconds between the stop and the due time: positive early, negative late.
    margin_seconds: int | None = None


@dataclass
class ClockRun:
    """One run of a clock, as far as its events have told it."""

    name: str
    owner_unit: str
    started_at: datetime | None = None
    due_at: datetime | None = None
    breached: bool = False
    outcome: str | None = None
    late: bool = False
    stopped_at: datetime | None = None
    margin_seconds: int | None = None

    def deadline(self) -> Deadline:
        return Deadline(
            name=self.name,
            owner_unit=self.owner_unit,
            started_at=self.started_at,
            due_at=self.due_at,
            status=self._status(),
            stopped_at=self.stopped_at,
            margin_seconds=self.margin_seconds,
        )

    def _status(self) -> DeadlineStatus:
        """Missed once breached or stopped late (a breached run a hand-off then cancelled was
        missed all the same), or met with a negative margin; running until stopped."""
        if self.breached or self.late:
            return "missed"
        if self.outcome == "cancelled":
            return "cancelled"
        if self.outcome == "met":
            negative = self.margin_seconds is not None and self.margin_seconds < 0
            return "missed" if negative else "met"
        return "running"


def fold_clock(runs: dict[str, ClockRun], kind: str, data: Mapping[str, Any]) -> None:
    """Apply one clock event (`kind` in `CLOCK_EVENTS`, its JSON `data`) to the runs by clock."""
    name, owner = data["clock"], data["owner_unit"]
    if kind == "sla.clock_started":
        # a new run replaces the earlier one (the form shows the latest), in the same place
        runs[name] = ClockRun(
            name, owner, parse_time(data["started_at"]), parse_time(data["due_at"])
        )
        return
    run = runs.setdefault(name, ClockRun(name, owner))
    run.owner_unit = owner
    if data.get("due_at"):
        run.due_at = parse_time(data["due_at"])
    if kind == "sla.breached":
        run.breached = True
    elif kind == "sla.clock_stopped":
        run.outcome = data["outcome"]
        run.late = bool(data.get("late", False))
        run.stopped_at = parse_time(data["stopped_at"])
        run.margin_seconds = data.get("margin_seconds")


def parse_time(value: Any) -> datetime:
    """Entry times are datetimes; times inside event data are ISO 8601 strings."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
