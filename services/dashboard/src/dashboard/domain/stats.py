"""Small statistics the figures are made of: percentiles, on-time rates, local days."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The `fraction` percentile by linear interpolation between closest ranks (like numpy's
    default): rank (n - 1) * fraction of the sorted values. None for no values."""
    if not values:
        return None
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must lie in [0, 1]")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * fraction
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Durations:
    count: int
    median_seconds: float | None
    p90_seconds: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "count": self.count,
            "median_seconds": self.median_seconds,
            "p90_seconds": self.p90_seconds,
        }


def durations(seconds: Sequence[float]) -> Durations:
    return Durations(len(seconds), percentile(seconds, 0.5), percentile(seconds, 0.9))


@dataclass(frozen=True)
class OnTime:
    """Clock runs decided on time or late; runs still open or cancelled in time don't count."""

    on_time: int = 0
    late: int = 0

    @property
    def decided(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        return self.on_time / self.decided if self.decided else None

    def add(self, verdict: str) -> OnTime:
        if verdict == "on_time":
            return OnTime(self.on_time + 1, self.late)
        if verdict == "late":
            return OnTime(self.on_time, self.late + 1)
        return self

    def as_dict(self) -> dict[str, float | None]:
        return {"on_time": self.on_time, "late": self.late, "rate": self.rate}


def on_time(verdicts: Iterable[str]) -> OnTime:
    result = OnTime()
    for verdict in verdicts:
        result = result.add(verdict)
    return result


def local_day(instant: datetime, zone: str) -> date:
    """The calendar day `instant` falls on in `zone` (never UTC's day)."""
    if instant.tzinfo is None:
        raise ValueError("instant must carry a UTC offset")
    return instant.astimezone(ZoneInfo(zone)).date()


def days(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_bounds(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """[start, end) of the local days `first`..`last` in `zone`, as UTC instants (so that
    arithmetic on them counts real time, also across a daylight-saving change)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    return start.astimezone(UTC), end.astimezone(UTC)
