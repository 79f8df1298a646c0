"""The clocks of one complaint, what a paused clock would show, and the JSON the adapter stores.

All instants are kept in UTC and all durations as exact `timedelta`s, so a state survives a
JSON round trip unchanged and two folds of the same inputs compare equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .clock_effects import CLOCK_ORDER, ROUND_THE_CLOCK, ClockName
from .working_time import Calendar, add_working_time, working_time_between

Status = Literal["running", "paused", "met", "cancelled"]
Calendars = Callable[[str], Calendar]  # unit id -> its working calendar
_ZERO = timedelta(0)
_ALWAYS = Calendar.always("UTC")
JSON_VERSION = 1


@dataclass(frozen=True)
class Timer:
    """A warning point still to fire in the current running stretch of a clock."""

    point: str
    at: datetime
    remaining: timedelta  # working time left when the point is reached


@dataclass(frozen=True)
class Clock:
    """One run of one clock.

    `used` is the working time consumed before `since`: while running, `since` is when the
    current stretch began (start or resume); while paused, when it paused; once stopped,
    when it stopped. `due_at` is None while paused (see `projected_due`). `breached` is a flag,
    not a status: a breached clock keeps running until it is met or cancelled.
    """

    name: ClockName
    run: int
    owner: str
    calendar: str  # ROUND_THE_CLOCK or the unit whose calendar counts
    budget: timedelta
    started_at: datetime
    status: Status
    since: datetime
    used: timedelta = _ZERO
    due_at: datetime | None = None
    level: str | None = None
    pending: tuple[Timer, ...] = ()
    fired: tuple[str, ...] = ()
    breached: bool = False
    # Approved deadline extensions (`resolve` only): how many this run had, the due time it
    # had before the first, and the latest `until` granted, which the due time never precedes
    # (an `until` outside working time adds no working time but still counts as the deadline).
    extensions: int = 0
    original_due_at: datetime | None = None
    extended_until: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ("running", "paused")


@dataclass(frozen=True)
class RequestedExtension:
    """An extension request still waiting for its decision: the id of its event, the instant
    asked for, and the owner whose `resolve` clock it would move."""

    request_id: str
    until: datetime
    owner: str | None


@dataclass(frozen=True)
class ComplaintClocks:
    """What the fold remembers about one complaint: its owner and its clocks, one per name.

    `business_line` (from receipt) decides whether an owner gets an `investigate` clock.
    `visit_owner` and `visit_grounds` (from receipt) and `reopened` (once reopened) decide
    whether a resolution starts a return visit, and whose it is. `extension_requests` are the
    pending extension requests, by request id (the decision carries only the id).
    """

    kind: Literal["complaint", "inquiry"] | None = None
    business_line: str | None = None
    receiving_unit: str | None = None
    received_at: datetime | None = None
    owner: str | None = None
    level: str | None = None
    assigned_at: datetime | None = None
    closed: bool = False
    visit_owner: str | None = None
    visit_grounds: tuple[str, ...] = ()
    reopened: bool = False
    clocks: Mapping[str, Clock] = field(default_factory=dict)
    extension_requests: tuple[RequestedExtension, ...] = ()

    def clock(self, name: str) -> Clock | None:
        return self.clocks.get(name)

    def extension_request(self, request_id: str) -> RequestedExtension | None:
        """The pending request whose event id is `request_id`, if there is one."""
        return next((r for r in self.extension_requests if r.request_id == request_id), None)

    def with_clock(self, clock: Clock) -> ComplaintClocks:
        merged = {**self.clocks, clock.name: clock}
        ordered: dict[str, Clock] = {name: merged[name] for name in CLOCK_ORDER if name in merged}
        return replace(self, clocks=ordered)


def calendar_of(clock: Clock | str, calendars: Calendars) -> Calendar:
    """The calendar a clock counts on: round the clock, or its unit's working calendar."""
    key = clock if isinstance(clock, str) else clock.calendar
    return _ALWAYS if key == ROUND_THE_CLOCK else calendars(key)


def advance(cal: Calendar, since: datetime, span: timedelta) -> datetime:
    """`span` of working time after `since`, in UTC; nothing left means due at `since`."""
    if span <= _ZERO:
        return since
    return add_working_time(cal, since, span).astimezone(UTC)


def due_from(clock: Clock, cal: Calendar, since: datetime) -> datetime:
    """When `clock` is due if it counts from `since` with the working time it has left: when
    that time runs out, but never before an extension's `until`."""
    due = advance(cal, since, clock.budget - clock.used)
    if clock.extended_until is not None and clock.extended_until > due:
        return clock.extended_until
    return due


def remaining_at(clock: Clock, at: datetime, calendars: Calendars) -> timedelta:
    """The working time left on `clock` at `at`: never negative, frozen while paused or stopped."""
    left = clock.budget - clock.used
    if clock.status == "running":
        left -= working_time_between(calendar_of(clock, calendars), clock.since, at)
    return max(left, _ZERO)


def projected_due(clock: Clock, at: datetime, calendars: Calendars) -> datetime | None:
    """When `clock` is due: its due time if running; if paused, the due it would have were it
    resumed at `at`; None once stopped."""
    if clock.status == "running":
        return clock.due_at
    if clock.status == "paused":
        resume = max(at.astimezone(UTC), clock.since)
        return due_from(clock, calendar_of(clock, calendars), resume)
    return None


# JSON: instants as ISO strings in UTC, durations as seconds (exact to the microsecond).


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, timedelta):
        return value / timedelta(seconds=1)
    if isinstance(value, Timer | RequestedExtension):
        return {f.name: _dump(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    return value


_INSTANTS = {
    "at",
    "started_at",
    "since",
    "due_at",
    "received_at",
    "assigned_at",
    "until",
    "original_due_at",
    "extended_until",
}
_SPANS = {"remaining", "budget", "used"}


def _load(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _INSTANTS:
        return datetime.fromisoformat(value).astimezone(UTC)
    if name in _SPANS:
        return timedelta(seconds=value)
    if name == "pending":
        return tuple(Timer(**{k: _load(k, v) for k, v in item.items()}) for item in value)
    if name == "extension_requests":
        return tuple(
            RequestedExtension(**{k: _load(k, v) for k, v in item.items()}) for item in value
        )
    if name in ("fired", "visit_grounds"):
        return tuple(value)
    return value


def to_json(state: ComplaintClocks) -> dict[str, Any]:
    """A JSON-ready dict of `state` (for a JSONB column); `from_json` reverses it exactly."""
    out: dict[str, Any] = {"version": JSON_VERSION}
    for f in fields(state):
        if f.name != "clocks":
            out[f.name] = _dump(getattr(state, f.name))
    out["clocks"] = [
        {f.name: _dump(getattr(clock, f.name)) for f in fields(clock)}
        for clock in state.clocks.values()
    ]
    return out


def from_json(data: Mapping[str, Any]) -> ComplaintClocks:
    """The state `to_json` wrote."""
    if data.get("version") != JSON_VERSION:
        raise ValueError(f"unknown clock state version {data.get('version')!r}")
    clocks = [Clock(**{k: _load(k, v) for k, v in item.items()}) for item in data["clocks"]]
    scalars = {k: _load(k, v) for k, v in data.items() if k not in ("version", "clocks")}
    state = ComplaintClocks(**scalars)
    for clock in clocks:
        state = state.with_clock(clock)
    return state
