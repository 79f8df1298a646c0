"""`late` is judged by event time: a reply dated before the due time is in time, even when it
reaches the monitor after the breach was announced (a late-registered reply)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints_shared.organisation import CalendarSpec
from sla_monitor.domain.calendars import build_calendar
from sla_monitor.domain.clocks import (
    Arrival,
    Assignment,
    ClockPolicy,
    ClockStop,
    Resolution,
    TimerTick,
    fold,
)

SH = ZoneInfo("Asia/Shanghai")
CALENDAR = build_calendar(CalendarSpec(hours=("09:00-12:00", "13:30-17:30")), "Asia/Shanghai")
MONDAY_9 = datetime(2026, 11, 16, 9, 0, tzinfo=SH)  # resolve (branch, 7 h) due Monday 17:30
DUE = datetime(2026, 11, 16, 17, 30, tzinfo=SH)


def resolve_stop(replied_at: datetime, *, announced: bool) -> ClockStop:
    inputs = [Arrival("complaint", "B", MONDAY_9), Assignment("B", "branch", MONDAY_9)]
    if announced:  # the ticker fired the breach before the reply reached the monitor
        inputs.append(TimerTick(DUE + timedelta(minutes=5)))
    inputs.append(Resolution(replied_at))
    _, effects = fold(inputs, ClockPolicy(), lambda unit: CALENDAR)
    return next(e for e in effects if isinstance(e, ClockStop) and e.clock == "resolve")


@pytest.mark.parametrize("announced", [True, False], ids=["breach-announced", "no-breach-yet"])
def test_a_reply_dated_before_the_due_time_is_in_time(announced):
    stop = resolve_stop(DUE - timedelta(hours=1), announced=announced)
    assert (stop.outcome, stop.late) == ("met", False)


def test_a_reply_after_the_due_time_is_late():
    stop = resolve_stop(DUE + timedelta(hours=1), announced=True)
    assert (stop.outcome, stop.late) == ("met", True)
