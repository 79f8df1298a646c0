"""Working-time arithmetic: deadlines counted only inside a calendar's working time
(docs/domain.md#working-days).

Pure: no I/O, no clock. Conventions, chosen once and kept everywhere:

- Inputs are timezone-aware datetimes (naive ones raise ValueError); the engine works on UTC
  instants with exact `timedelta` arithmetic (microseconds, no floats) and returns aware
  datetimes in the calendar's zone.
- Business hours are wall-clock times in the calendar's zone. A working interval runs between
  the instants its wall-clock bounds name, so its length is the real elapsed time: a day with
  hours 00:00-24:00 is 23 h on spring-forward and 25 h on fall-back. A bound the clocks skip
  (spring-forward) is the instant the clocks jump; a bound that occurs twice (fall-back) is
  its first occurrence. `Calendar.day_length` is the nominal, wall-clock length.
- Intervals are half-open: at 12:00, the end of 09:00-12:00, one is not in working time. A
  deadline may still land exactly on an interval's end: Friday 16:00 + 1.5 h is Friday 17:30,
  not Monday 09:00.
- Adding zero returns `start` itself when it is in working time, else the next working moment:
  adding is "start the clock at the next working moment, then run it"
  (docs/domain.md#working-days), and zero is its degenerate case. So adding zero to Friday
  17:30 gives Monday 09:00.
- Whole working days also count real time: with a 24 h day, Saturday 20:00 + 1 working day
  over a 23-hour Sunday is Sunday 21:00 on the wall clock.

For callers: compare and offset results as UTC (`.astimezone(UTC)`). Python compares two
datetimes that share a tzinfo by wall time, ignoring `fold`, adds a timedelta on the wall
clock, and says == is False across zones for a wall time the zone repeats.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)
# A calendar that shows no working time for ten years has none: stop instead of looping forever.
_HORIZON_DAYS = 3653

Span = tuple[timedelta, timedelta]  # offsets from local midnight; an end may be 24 h
Interval = tuple[datetime, datetime]  # UTC instants, half-open


@dataclass(frozen=True)
class Calendar:
    """When a unit works: weekdays, business hours, holidays and make-up working days.

    `workweek` holds weekday numbers (0 = Monday .. 6 = Sunday). `hours` are wall-clock
    (start, end) pairs in order; an end of 00:00 means midnight at the end of the day (24:00).
    Empty `hours` means whole days count. A date in `workdays` works even on a weekend; a date
    in `holidays` does not work even on a weekday; a date may not be in both.
    """

    tz: str
    workweek: frozenset[int]
    hours: tuple[tuple[time, time], ...]
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    _spans: tuple[Span, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        # Accept any iterables but store frozensets, so calendars stay hashable and comparable.
        for name in ("workweek", "holidays", "workdays"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        object.__setattr__(self, "hours", tuple(tuple(pair) for pair in self.hours))
        if not self.workweek <= set(range(7)):
            raise ValueError(f"workweek days must be 0 (Monday) .. 6 (Sunday), got {self.workweek}")
        clash = self.holidays & self.workdays
        if clash:
            raise ValueError(f"dates both holiday and working day: {sorted(clash)}")
        object.__setattr__(self, "_spans", _spans_of(self.hours))

    @classmethod
    def always(cls, tz: str = "UTC") -> Calendar:
        """A 24x7 calendar: every instant is working time."""
        return cls(tz=tz, workweek=frozenset(range(7)), hours=())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)  # ZoneInfo caches instances by key

    def is_working_day(self, d: date) -> bool:
        """Whether `d` works: a make-up day wins over the weekend, a holiday over the workweek."""
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() in self.workweek

    def day_length(self) -> timedelta:
        """The nominal working time of one working day: the sum of the hours, or 24 h."""
        return sum((end - start for start, end in self._spans), _ZERO)


def _spans_of(hours: tuple[tuple[time, time], ...]) -> tuple[Span, ...]:
    if not hours:
        return ((_ZERO, _DAY),)
    spans: list[Span] = []
    for start, end in hours:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("business hours are wall-clock times: give them without tzinfo")
        lo, hi = _offset(start), _offset(end) or _DAY
        if lo >= hi:
            raise ValueError(f"business hours {start}-{end} do not run forward")
        if spans and lo < spans[-1][1]:
            raise ValueError(f"business hours {start}-{end} overlap or are out of order")
        spans.append((lo, hi))
    return tuple(spans)


def _offset(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _aware_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _wall_to_utc(d: date, offset: timedelta, zone: ZoneInfo) -> datetime:
    """The instant at which the wall clock in `zone` shows midnight of `d` plus `offset`."""
    naive = datetime.combine(d, time()) + offset
    first = naive.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first occurrence
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # Skipped by a spring-forward: find the instant the clocks jumped. fold=0 and fold=1 read
    # the time with the offsets before and after the jump, which bracket that instant.
    other = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo, hi = min(first, other), max(first, other)
    after = hi.astimezone(zone).utcoffset()
    while hi - lo > _TICK:
        mid = lo + (hi - lo) // 2
        if mid.astimezone(zone).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi


# Memoised: a monitor recomputes deadlines for the same few calendars and days all the time.
@lru_cache(maxsize=8192)
def _day_intervals(cal: Calendar, d: date) -> tuple[Interval, ...]:
    """The UTC working intervals of local date `d`, in order, touching ones merged."""
    if not cal.is_working_day(d):
        return ()
    zone = cal.zone
    out: list[Interval] = []
    for lo, hi in cal._spans:
        start, end = _wall_to_utc(d, lo, zone), _wall_to_utc(d, hi, zone)
        if start >= end:
            continue  # wholly inside an hour the clocks skipped
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return tuple(out)


def _intervals_from(
    cal: Calendar, at: datetime, until: datetime | None = None
) -> Iterator[Interval]:
    """Working intervals ending after `at` (UTC), the first clipped to start there.

    Stops after `until` if given; otherwise raises ValueError once ten years pass without
    any working time.
    """
    # No earlier date can matter: its intervals end by this date's first midnight, <= `at`.
    d = at.astimezone(cal.zone).date()
    last = until.astimezone(cal.zone).date() + _DAY if until is not None else None
    idle = 0
    while last is None or d <= last:
        intervals = _day_intervals(cal, d)
        idle = 0 if intervals else idle + 1
        if until is None and idle > _HORIZON_DAYS:
            raise ValueError(f"calendar has no working time within ten years of {at.isoformat()}")
        for start, end in intervals:
            if end > at:
                yield max(start, at), end
        d += _DAY


def add_working_time(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The instant `duration` of working time after `start`, counted only inside working time.

    The clock starts at the next working moment. Adding zero returns `start` if it is in
    working time, else the next working moment.
    """
    if duration < _ZERO:
        raise ValueError(f"cannot add negative working time {duration}")
    remaining = duration
    for lo, hi in _intervals_from(cal, _aware_utc(start, "start")):
        if remaining <= hi - lo:
            return (lo + remaining).astimezone(cal.zone)
        remaining -= hi - lo
    raise AssertionError("unreachable: _intervals_from without `until` never ends")


def working_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """The working time inside [start, end); zero if `end` is not after `start`."""
    lo_bound, hi_bound = _aware_utc(start, "start"), _aware_utc(end, "end")
    total = _ZERO
    if hi_bound <= lo_bound:
        return total
    for lo, hi in _intervals_from(cal, lo_bound, until=hi_bound):
        if lo >= hi_bound:
            break
        total += min(hi, hi_bound) - lo
    return total


def add_working_days(cal: Calendar, start: datetime, days: int | float) -> datetime:
    """`start` plus `days` working days, where a working day is `cal.day_length()`
    (docs/domain.md#working-days).

    With hours 09:00-12:00 and 13:30-17:30, Friday 16:00 + 1 is Monday 16:00; a calendar
    without hours counts whole days: Friday 20:00 + 1 is Monday 20:00.
    """
    if not math.isfinite(days) or days < 0:
        raise ValueError(f"working days must be a finite number >= 0, got {days}")
    # timedelta * float rounds exactly to the microsecond; no float accumulates.
    return add_working_time(cal, start, cal.day_length() * days)


def next_working_moment(cal: Calendar, at: datetime) -> datetime:
    """`at` if it is in working time, else the start of the next working interval."""
    return add_working_time(cal, at, _ZERO)


def is_working_time(cal: Calendar, at: datetime) -> bool:
    """Whether `at` lies inside a working interval (the interval's end does not)."""
    moment = _aware_utc(at, "at")
    d = moment.astimezone(cal.zone).date()
    # The next date too: a fall-back across midnight repeats the end of `d` after the first
    # midnight that starts d + 1.
    return any(lo <= moment < hi for day in (d, d + _DAY) for lo, hi in _day_intervals(cal, day))
