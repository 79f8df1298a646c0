"""Clock budgets and warning points, all configurable; the defaults are the tables of
docs/domain.md#budgets-per-handling-level and docs/domain.md#warnings.

Budgets of the round-the-clock clocks (`transfer`, `start`, `investigate`, `inquiry_reply`)
are real time;
`resolve`, `customer` and `return_visit` are working days on a unit's calendar, converted to
working time with `Calendar.day_length()`. `return_visit_sample_percent` is the share of the
resolved complaints without another ground that get a return visit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .working_time import Calendar, add_working_days

HOUR = timedelta(hours=1)


def _resolve_days() -> dict[str, float]:
    return {"branch": 1, "province": 2, "supervision": 3, "hq": 3}


@dataclass(frozen=True)
class ClockPolicy:
    """How long each clock runs, which clocks pause, and where warnings fall.

    `level_overrides` replaces a round-the-clock budget for one handling level, e.g.
    `{"province": {"start": timedelta(hours=4)}}`. `investigate` is the owner's time to
    investigate and decide a plan, on the business lines that have that clock. Warning
    points: each fraction of the budget used (0.75 -> "75%"), and each working-time span
    before due (1 h -> "1h"); a point at or before the start of the clock is skipped.
    """

    resolve_days: dict[str, float] = field(default_factory=_resolve_days)
    transfer: timedelta = HOUR
    start: timedelta = 2 * HOUR
    investigate: timedelta = 24 * HOUR
    inquiry_reply: timedelta = timedelta(minutes=30)
    customer_days: float = 5
    level_overrides: Mapping[str, Mapping[str, timedelta]] = field(default_factory=dict)
    pausable: frozenset[str] = frozenset({"resolve"})
    warn_fractions: tuple[float, ...] = (0.75,)
    warn_before_due: tuple[timedelta, ...] = (HOUR,)
    return_visit_days: float = 3
    return_visit_sample_percent: int = 10

    def __post_init__(self) -> None:
        budgets = [self.transfer, self.start, self.investigate, self.inquiry_reply]
        budgets += [span for spans in self.level_overrides.values() for span in spans.values()]
        if any(span < timedelta(0) for span in budgets):
            raise ValueError("clock budgets must not be negative")
        days = (*self.resolve_days.values(), self.customer_days, self.return_visit_days)
        if any(day < 0 for day in days):
            raise ValueError("working-day budgets must not be negative")
        if not 0 <= self.return_visit_sample_percent <= 100:
            raise ValueError("the return-visit sample is a percentage from 0 to 100")
        if any(not 0 < fraction <= 1 for fraction in self.warn_fractions):
            raise ValueError("warning fractions must lie in (0, 1]")
        if any(span <= timedelta(0) for span in self.warn_before_due):
            raise ValueError("warnings before due must be positive spans")

    def round_the_clock(self, clock: str, level: str | None) -> timedelta:
        """The real-time budget of `transfer`, `start`, `investigate` or `inquiry_reply` at
        `level`."""
        override = self.level_overrides.get(level or "", {})
        if clock in override:
            return override[clock]
        return {
            "transfer": self.transfer,
            "start": self.start,
            "investigate": self.investigate,
            "inquiry_reply": self.inquiry_reply,
        }[clock]

    def days_for(self, level: str) -> float:
        """Working days to resolve at `level`; an unknown level is an error worth stopping on."""
        try:
            return self.resolve_days[level]
        except KeyError:
            raise ValueError(
                f"no resolve budget for handling level {level!r}; "
                f"known: {sorted(self.resolve_days)}"
            ) from None

    def resolve_budget(self, calendar: Calendar, level: str) -> timedelta:
        """The working time of the `resolve` clock at `level` on `calendar`."""
        return calendar.day_length() * self.days_for(level)

    def customer_budget(self, calendar: Calendar) -> timedelta:
        """The working time of the end-to-end `customer` clock on the receiving unit's calendar."""
        return calendar.day_length() * self.customer_days

    def return_visit_budget(self, calendar: Calendar) -> timedelta:
        """The working time of the `return_visit` clock on its owner's calendar."""
        return calendar.day_length() * self.return_visit_days

    def resolve_due(self, calendar: Calendar, at: datetime, level: str) -> datetime:
        """Resolve and reply within N working days of receiving the assignment."""
        return add_working_days(calendar, at, self.days_for(level))

    def warning_points(self, budget: timedelta) -> tuple[tuple[str, timedelta], ...]:
        """(label, working time used) of each warning point of a clock with `budget`, in order."""
        points = [(f"{fraction * 100:g}%", budget * fraction) for fraction in self.warn_fractions]
        points += [(_span_label(span), budget - span) for span in self.warn_before_due]
        kept = {label: used for label, used in points if used > timedelta(0)}
        return tuple(sorted(kept.items(), key=lambda point: (point[1], point[0])))


def _span_label(span: timedelta) -> str:
    """1 h -> "1h", 90 min -> "1h30m", 45 s -> "45s"."""
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return "".join(parts) or f"{span.total_seconds():g}s"
