"""A clock's life (start, pause, resume, stop) and its timers (warnings and the breach).

A clock's warning points and due time are instants computed when it starts or resumes and
kept in the state, so `next_timer` needs no calendar and `fire_timers` only picks them off.
A point is defined by the working time used: "75%" is 75% of the budget used; "1h" is the
budget less one hour used, i.e. one hour of *working* time before due (real time for the
round-the-clock clocks). After a pause the remaining points are recomputed from the resume,
so pauses push them back exactly as they push back the due time.

An approved deadline extension (`extend_clock`) adds to the budget the working time between
the due time and the `until` granted, and the due time never falls before that `until`; the
points not yet fired are recomputed against the new budget, and a point already fired (or the
breach) does not fire again in the run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from .clock_effects import (
    CLOCK_ORDER,
    ClockBreach,
    ClockEffect,
    ClockName,
    ClockPause,
    ClockReschedule,
    ClockResumption,
    ClockStart,
    ClockStop,
    ClockWarning,
)
from .clock_state import (
    Calendars,
    Clock,
    ComplaintClocks,
    Timer,
    advance,
    calendar_of,
    due_from,
    projected_due,
    remaining_at,
)
from .policy import ClockPolicy
from .working_time import Calendar, working_time_between


def _seconds(span: timedelta) -> int:
    return int(span.total_seconds())


def _schedule(clock: Clock, policy: ClockPolicy, calendars: Calendars) -> Clock:
    """Due time and pending warnings of a clock running from `since` with `used` consumed."""
    cal = calendar_of(clock, calendars)
    pending = tuple(
        Timer(label, advance(cal, clock.since, used - clock.used), clock.budget - used)
        for label, used in policy.warning_points(clock.budget)
        if label not in clock.fired and used >= clock.used
    )
    return replace(clock, due_at=due_from(clock, cal, clock.since), pending=pending)


def start_clock(
    state: ComplaintClocks,
    name: ClockName,
    *,
    owner: str,
    calendar: str,
    budget: timedelta,
    at: datetime,
    policy: ClockPolicy,
    calendars: Calendars,
    level: str | None = None,
) -> tuple[ComplaintClocks, ClockStart]:
    """A new run of clock `name` from `at`; the previous run, if any, must be stopped."""
    previous = state.clock(name)
    assert previous is None or not previous.active, f"{name} is still {previous.status}"
    run = previous.run + 1 if previous is not None else 1
    clock = Clock(name, run, owner, calendar, budget, at, "running", at, level=level)
    clock = _schedule(clock, policy, calendars)
    assert clock.due_at is not None
    started = ClockStart(
        name, run, owner, at, clock.due_at, _seconds(budget), calendar, handling_level=level
    )
    return state.with_clock(clock), started


def pause_clock(clock: Clock, at: datetime, calendars: Calendars) -> tuple[Clock, ClockPause]:
    """Stop counting: the working time left is kept exactly and shown while paused."""
    left = remaining_at(clock, at, calendars)
    paused = replace(
        clock,
        status="paused",
        since=max(at, clock.since),
        used=clock.budget - left,
        due_at=None,
        pending=(),
    )
    return paused, ClockPause(clock.name, clock.run, clock.owner, at, _seconds(left))


def resume_clock(
    clock: Clock, at: datetime, policy: ClockPolicy, calendars: Calendars
) -> tuple[Clock, ClockResumption]:
    """Count again from `at` (or the pause, if `at` is earlier) with the time that was left."""
    running = _schedule(
        replace(clock, status="running", since=max(at, clock.since)), policy, calendars
    )
    assert running.due_at is not None
    return running, ClockResumption(clock.name, clock.run, clock.owner, at, running.due_at)


def extend_clock(
    clock: Clock,
    until: datetime,
    at: datetime,
    *,
    reason: str,
    key: str,
    policy: ClockPolicy,
    calendars: Calendars,
) -> tuple[Clock, ClockReschedule | None]:
    """An approved extension of a running or paused clock up to `until`, decided at `at`.

    It counts (`extensions`, and `original_due_at` keeps the due time before the first), but
    moves the due time only forward: an `until` at or before the current due time (for a
    paused clock, the due time it would have if resumed at `at`) leaves it where it is, and
    then there is nothing to announce. A breach already fired stays fired.
    """
    current = projected_due(clock, at, calendars)
    assert current is not None, f"{clock.name} is {clock.status}"
    counted = replace(
        clock,
        extensions=clock.extensions + 1,
        original_due_at=clock.original_due_at or current,
    )
    if until <= current:
        return counted, None
    extra = working_time_between(calendar_of(clock, calendars), current, until)
    extended = replace(counted, budget=clock.budget + extra, extended_until=until)
    if extended.status == "running":
        extended = _schedule(extended, policy, calendars)
    due = projected_due(extended, at, calendars)
    assert due is not None
    moved = ClockReschedule(clock.name, clock.run, clock.owner, at, due, current, reason, key)
    return extended, moved


def stop_clock(
    clock: Clock, outcome: Literal["met", "cancelled"], at: datetime, calendars: Calendars
) -> tuple[Clock, ClockStop]:
    """Met or cancelled at `at`; a breached clock that is met is met late.

    The stop carries the due time the clock had (a paused clock: the due time it would have
    had if resumed at `at`) and the margin to it: the working time on the clock's calendar
    between `at` and that due time, positive when early, negative when late.
    """
    cal = calendar_of(clock, calendars)
    used = clock.used
    if clock.status == "running":
        used += working_time_between(cal, clock.since, at)
    due = projected_due(clock, at, calendars)
    margin = None if due is None else _signed_working_time(cal, at, due)
    stopped = replace(
        clock,
        status=outcome,
        since=max(at, clock.since),
        used=min(used, clock.budget),
        pending=(),
    )
    # Late by event time: a reply dated before the due time is in time even if it reached us
    # after the breach had been announced (a late-registered reply).
    late = outcome == "met" and clock.breached and (clock.due_at is None or at > clock.due_at)
    return stopped, ClockStop(
        clock.name, clock.run, clock.owner, outcome, at, late, due_at=due, margin_seconds=margin
    )


def _signed_working_time(cal: Calendar, at: datetime, due: datetime) -> int:
    """Whole seconds of working time from `at` to `due`; negative when `due` is earlier."""
    if at <= due:
        return _seconds(working_time_between(cal, at, due))
    return -_seconds(working_time_between(cal, due, at))


def fire_timers(
    state: ComplaintClocks,
    now: datetime,
    policy: ClockPolicy | None = None,
    calendars: Calendars | None = None,
    *,
    strictly_before: bool = False,
) -> tuple[ComplaintClocks, list[ClockEffect]]:
    """Every warning and breach of a running clock due at or before `now`, each exactly once.

    An effect's time is the instant it marks, not `now`, so a late tick or a replay emits the
    same effects. With `strictly_before`, instants equal to `now` wait (an event at a due time
    is in time). `policy` and `calendars` are unused: the instants were fixed at (re)start.
    """
    now = now.astimezone(UTC)

    def due(instant: datetime) -> bool:
        return instant < now if strictly_before else instant <= now

    found: list[tuple[datetime, int, int, ClockEffect]] = []
    for clock in state.clocks.values():
        if clock.status != "running" or clock.due_at is None:
            continue
        order = CLOCK_ORDER.index(clock.name)
        fired = tuple(timer for timer in clock.pending if due(timer.at))
        for timer in fired:
            warned = ClockWarning(
                clock.name,
                clock.run,
                clock.owner,
                timer.point,
                timer.at,
                clock.due_at,
                _seconds(timer.remaining),
            )
            found.append((timer.at, order, 0, warned))
        breach = not clock.breached and due(clock.due_at)
        if breach:
            breached = ClockBreach(clock.name, clock.run, clock.owner, clock.due_at)
            found.append((clock.due_at, order, 1, breached))
        if fired or breach:
            state = state.with_clock(
                replace(
                    clock,
                    pending=clock.pending[len(fired) :],
                    fired=clock.fired + tuple(timer.point for timer in fired),
                    breached=clock.breached or breach,
                )
            )
    found.sort(key=lambda item: item[:3])
    return state, [effect for *_, effect in found]


def next_timer(state: ComplaintClocks) -> datetime | None:
    """The earliest warning or due instant still to fire among running clocks (UTC)."""
    instants = [
        instant
        for clock in state.clocks.values()
        if clock.status == "running"
        for instant in (
            *(timer.at for timer in clock.pending[:1]),
            *((clock.due_at,) if clock.due_at is not None and not clock.breached else ()),
        )
    ]
    return min(instants, default=None)
