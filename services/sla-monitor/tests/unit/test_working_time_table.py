"""Named cases for the working-time engine: the examples of docs/domain.md#working-days,
holidays, DST, errors."""

import time as perf
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints_shared.workflow.official_holidays import official_days
from sla_monitor.domain.working_time import (
    Calendar,
    add_working_days,
    add_working_time,
    is_working_time,
    next_working_moment,
    working_time_between,
)

SH = "Asia/Shanghai"
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SANTIAGO = "America/Santiago"
MON_FRI = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
OFFICE_HOURS = ((time(9), time(12)), (time(13, 30), time(17, 30)))
CN_HOLIDAYS, CN_WORKDAYS = official_days("cn")
H = timedelta(hours=1)


def at(text: str, tz: str = SH) -> datetime:
    """ "Fri 2026-03-13 16:00" in zone `tz`; the weekday is checked, so the cases read true."""
    weekday, rest = text.split(" ", 1)
    naive = datetime.fromisoformat(rest)
    assert f"{naive:%a}" == weekday, f"{rest} is a {naive:%a}, not a {weekday}"
    return naive.replace(tzinfo=ZoneInfo(tz))


def same_instant(result: datetime, expected: datetime) -> bool:
    """Equal as instants and shown in the same zone at the same offset.

    Python compares datetimes sharing a tzinfo by wall time, ignoring DST folds; UTC does not.
    """
    return (
        result.astimezone(UTC) == expected.astimezone(UTC)
        and result.tzinfo == expected.tzinfo
        and result.utcoffset() == expected.utcoffset()
    )


def case(*values: object) -> tuple:
    """One row of a table; a call, so the formatter keeps a row on one or three lines."""
    return values


def week_of(first: date) -> frozenset[date]:
    return frozenset(first + timedelta(days=i) for i in range(5))


OFFICE = Calendar(SH, MON_FRI, OFFICE_HOURS)
CN_OFFICE = Calendar(SH, MON_FRI, OFFICE_HOURS, CN_HOLIDAYS, CN_WORKDAYS)
# Hand-written: the week of Monday 16 March 2026 off, and then Saturday 21 March worked.
HOLIDAY_WEEK = Calendar(SH, MON_FRI, OFFICE_HOURS, holidays=week_of(date(2026, 3, 16)))
MAKE_UP_SATURDAY = Calendar(
    SH, MON_FRI, OFFICE_HOURS, holidays=week_of(date(2026, 3, 16)), workdays={date(2026, 3, 21)}
)
NEW_YEAR = Calendar(SH, MON_FRI, OFFICE_HOURS, holidays={date(2027, 1, 1)})
WHOLE = Calendar(SH, MON_FRI, ())
WHOLE_CN = Calendar(SH, MON_FRI, (), CN_HOLIDAYS, CN_WORKDAYS)
ALWAYS = Calendar.always(SH)

# In the shipped cn schedule for 2026, Friday 25 September is Mid-Autumn, 1-7 October is
# National Day, and Sunday 20 September and Saturday 10 October are worked instead.
ADD_DAYS = {
    "domain: Friday 16:00 + 1 = Monday 16:00": case(
        OFFICE, "Fri 2026-03-13 16:00", 1, "Mon 2026-03-16 16:00"
    ),
    "domain: Friday 20:00 + 1 = Monday 17:30": case(
        OFFICE, "Fri 2026-03-13 20:00", 1, "Mon 2026-03-16 17:30"
    ),
    "domain: whole days, Friday 20:00 + 1 = Monday 20:00": case(
        WHOLE, "Fri 2026-03-13 20:00", 1, "Mon 2026-03-16 20:00"
    ),
    "hand-written: Friday 16:00 before a holiday week": case(
        HOLIDAY_WEEK, "Fri 2026-03-13 16:00", 1, "Mon 2026-03-23 16:00"
    ),
    "hand-written: make-up Saturday after a holiday week": case(
        MAKE_UP_SATURDAY, "Fri 2026-03-13 16:00", 1, "Sat 2026-03-21 16:00"
    ),
    "hand-written: 2 days over the make-up Saturday": case(
        MAKE_UP_SATURDAY, "Fri 2026-03-13 16:00", 2, "Mon 2026-03-23 16:00"
    ),
    "cn: Thursday 16:00 + 1 skips the Mid-Autumn Friday": case(
        CN_OFFICE, "Thu 2026-09-24 16:00", 1, "Mon 2026-09-28 16:00"
    ),
    "cn: received at 16:00 on the Mid-Autumn Friday": case(
        CN_OFFICE, "Fri 2026-09-25 16:00", 1, "Mon 2026-09-28 17:30"
    ),
    "cn: Friday 16:00 + 1 = make-up Sunday 16:00": case(
        CN_OFFICE, "Fri 2026-09-18 16:00", 1, "Sun 2026-09-20 16:00"
    ),
    "cn: last working day before the National Day week": case(
        CN_OFFICE, "Wed 2026-09-30 16:00", 1, "Thu 2026-10-08 16:00"
    ),
    "cn: 2 days over the National Day week": case(
        CN_OFFICE, "Tue 2026-09-29 16:00", 2, "Thu 2026-10-08 16:00"
    ),
    "cn: 3 days over National Day end on the make-up Saturday": case(
        CN_OFFICE, "Wed 2026-09-30 16:00", 3, "Sat 2026-10-10 16:00"
    ),
    "cn: Friday 16:00 + 1 = make-up Saturday 16:00": case(
        CN_OFFICE, "Fri 2026-10-09 16:00", 1, "Sat 2026-10-10 16:00"
    ),
    "cn: 23:59 on 31 Dec 2025 + 1 = make-up Sunday 4 Jan": case(
        CN_OFFICE, "Wed 2025-12-31 23:59", 1, "Sun 2026-01-04 17:30"
    ),
    "cn whole days: over the National Day week": case(
        WHOLE_CN, "Wed 2026-09-30 20:00", 1, "Thu 2026-10-08 20:00"
    ),
    "midday break: 12:30 + 1 = next day 12:00": case(
        OFFICE, "Tue 2026-03-10 12:30", 1, "Wed 2026-03-11 12:00"
    ),
    "23:59 on 31 Dec + 1 over a New Year holiday": case(
        NEW_YEAR, "Thu 2026-12-31 23:59", 1, "Mon 2027-01-04 17:30"
    ),
    "whole days: 23:59 on 31 Dec + 1 crosses the year": case(
        WHOLE, "Thu 2026-12-31 23:59", 1, "Fri 2027-01-01 23:59"
    ),
    "whole days: Saturday + 1 = end of Monday": case(
        WHOLE, "Sat 2026-03-14 10:00", 1, "Tue 2026-03-17 00:00"
    ),
    "whole days: half a day from Friday 20:00": case(
        WHOLE, "Fri 2026-03-13 20:00", 0.5, "Mon 2026-03-16 08:00"
    ),
    "whole days: Wednesday noon + 2": case(
        WHOLE, "Wed 2026-03-11 12:00", 2, "Fri 2026-03-13 12:00"
    ),
    "1.5 days from Monday 09:00": case(OFFICE, "Mon 2026-03-09 09:00", 1.5, "Tue 2026-03-10 14:00"),
    "2 days from Friday 20:00": case(OFFICE, "Fri 2026-03-13 20:00", 2, "Tue 2026-03-17 17:30"),
    "24x7: Friday 16:00 + 1 = Saturday 16:00": case(
        ALWAYS, "Fri 2026-03-13 16:00", 1, "Sat 2026-03-14 16:00"
    ),
    "24x7: 23:59 on 31 Dec + 1": case(ALWAYS, "Thu 2026-12-31 23:59", 1, "Fri 2027-01-01 23:59"),
    "24x7: 1000 days": case(ALWAYS, "Fri 2026-03-13 16:00", 1000, "Thu 2028-12-07 16:00"),
}


@pytest.mark.parametrize(("cal", "start", "days", "expected"), ADD_DAYS.values(), ids=ADD_DAYS)
def test_add_working_days(cal: Calendar, start: str, days: float, expected: str) -> None:
    result = add_working_days(cal, at(start), days)
    assert same_instant(result, at(expected))
    assert working_time_between(cal, at(start), result) == cal.day_length() * days


ADD_TIME = {
    "zero in working time returns start": case(
        OFFICE, "Tue 2026-03-10 10:00", 0 * H, "Tue 2026-03-10 10:00"
    ),
    "zero at the end of the morning = 13:30": case(
        OFFICE, "Tue 2026-03-10 12:00", 0 * H, "Tue 2026-03-10 13:30"
    ),
    "zero at Friday 17:30 = Monday 09:00": case(
        OFFICE, "Fri 2026-03-13 17:30", 0 * H, "Mon 2026-03-16 09:00"
    ),
    "lands on the end of the morning, not after lunch": case(
        OFFICE, "Tue 2026-03-10 11:00", H, "Tue 2026-03-10 12:00"
    ),
    "Friday 16:00 + 1.5 h = Friday 17:30": case(
        OFFICE, "Fri 2026-03-13 16:00", 1.5 * H, "Fri 2026-03-13 17:30"
    ),
    "received during the midday break + 2 h": case(
        OFFICE, "Tue 2026-03-10 12:30", 2 * H, "Tue 2026-03-10 15:30"
    ),
    "exact to the second": case(
        OFFICE, "Tue 2026-03-10 09:00", 3 * H + timedelta(seconds=1), "Tue 2026-03-10 13:30:01"
    ),
    "24x7 hand-on hour over New Year": case(
        ALWAYS, "Thu 2026-12-31 23:30", H, "Fri 2027-01-01 00:30"
    ),
}


@pytest.mark.parametrize(("cal", "start", "duration", "expected"), ADD_TIME.values(), ids=ADD_TIME)
def test_add_working_time(cal: Calendar, start: str, duration: timedelta, expected: str) -> None:
    assert same_instant(add_working_time(cal, at(start), duration), at(expected))


BETWEEN = {
    "Friday 16:00 to Monday 16:00": case(
        OFFICE, "Fri 2026-03-13 16:00", "Mon 2026-03-16 16:00", 7 * H
    ),
    "Friday 20:00 to Monday 17:30": case(
        OFFICE, "Fri 2026-03-13 20:00", "Mon 2026-03-16 17:30", 7 * H
    ),
    "end before start is zero": case(OFFICE, "Mon 2026-03-16 16:00", "Fri 2026-03-13 16:00", 0 * H),
    "the midday break is not working time": case(
        OFFICE, "Tue 2026-03-10 12:00", "Tue 2026-03-10 13:30", 0 * H
    ),
    "cn: the National Day week is not working time": case(
        CN_OFFICE, "Wed 2026-09-30 17:30", "Thu 2026-10-08 09:00", 0 * H
    ),
    "cn: two weeks around National Day have 6 working days": case(
        CN_OFFICE, "Mon 2026-09-28 00:00", "Sun 2026-10-11 00:00", 42 * H
    ),
    "whole days: a weekend is not working time": case(
        WHOLE, "Sat 2026-03-14 00:00", "Mon 2026-03-16 00:00", 0 * H
    ),
    "24x7: a year": case(ALWAYS, "Thu 2026-01-01 00:00", "Fri 2027-01-01 00:00", 365 * 24 * H),
}


@pytest.mark.parametrize(("cal", "start", "end", "expected"), BETWEEN.values(), ids=BETWEEN)
def test_working_time_between(cal: Calendar, start: str, end: str, expected: timedelta) -> None:
    assert working_time_between(cal, at(start), at(end)) == expected


NEXT = {
    "Saturday = Monday 09:00": case(OFFICE, "Sat 2026-03-14 10:00", "Mon 2026-03-16 09:00"),
    "midday break = 13:30": case(OFFICE, "Tue 2026-03-10 12:15", "Tue 2026-03-10 13:30"),
    "in working time = itself": case(OFFICE, "Tue 2026-03-10 10:00", "Tue 2026-03-10 10:00"),
    "cn: National Day = 8 October 09:00": case(
        CN_OFFICE, "Thu 2026-10-01 10:00", "Thu 2026-10-08 09:00"
    ),
    "cn: Saturday evening = make-up Sunday 09:00": case(
        CN_OFFICE, "Sat 2026-09-19 20:00", "Sun 2026-09-20 09:00"
    ),
}


@pytest.mark.parametrize(("cal", "moment", "expected"), NEXT.values(), ids=NEXT)
def test_next_working_moment(cal: Calendar, moment: str, expected: str) -> None:
    assert same_instant(next_working_moment(cal, at(moment)), at(expected))


def hours(*pairs: tuple[int, int]) -> tuple[tuple[time, time], ...]:
    return tuple((time(a), time(b)) for a, b in pairs)


# Berlin springs forward on 29 March 2026 (02:00 -> 03:00) and falls back on 25 October
# (03:00 -> 02:00); New York on 8 March (02:00 -> 03:00) and 1 November (02:00 -> 01:00);
# Santiago at midnight, on 4 April (24:00 -> 23:00) and 6 September (00:00 -> 01:00).
DST_DAYS = {
    "Berlin whole day on spring-forward is 23 h": case(BERLIN, (), "Sun 2026-03-29", 23 * H),
    "Berlin whole day on fall-back is 25 h": case(BERLIN, (), "Sun 2026-10-25", 25 * H),
    "Berlin 00:00-24:00 on spring-forward is 23 h": case(
        BERLIN, hours((0, 0)), "Sun 2026-03-29", 23 * H
    ),
    "Berlin 01:00-04:00 across the gap is 2 h": case(
        BERLIN, hours((1, 4)), "Sun 2026-03-29", 2 * H
    ),
    "Berlin 02:30-04:00 starts when the clocks jump": case(
        BERLIN, ((time(2, 30), time(4)),), "Sun 2026-03-29", H
    ),
    "Berlin 02:30-04:00 on fall-back starts at the first 02:30": case(
        BERLIN, ((time(2, 30), time(4)),), "Sun 2026-10-25", 2.5 * H
    ),
    "New York 00:00-03:00 on spring-forward is 2 h": case(
        NEW_YORK, hours((0, 3)), "Sun 2026-03-08", 2 * H
    ),
    "New York 00:00-03:00 on fall-back is 4 h": case(
        NEW_YORK, hours((0, 3)), "Sun 2026-11-01", 4 * H
    ),
    "New York office hours on an ordinary day": case(
        NEW_YORK, OFFICE_HOURS, "Mon 2026-03-09", 7 * H
    ),
    "Santiago whole day when the clocks jump at midnight is 23 h": case(
        SANTIAGO, (), "Sun 2026-09-06", 23 * H
    ),
    "Santiago whole day when the clocks fall back at midnight is 25 h": case(
        SANTIAGO, (), "Sat 2026-04-04", 25 * H
    ),
}


@pytest.mark.parametrize(("tz", "hours_", "day", "expected"), DST_DAYS.values(), ids=DST_DAYS)
def test_working_time_of_a_dst_day(tz: str, hours_: tuple, day: str, expected: timedelta) -> None:
    cal = Calendar(tz, EVERY_DAY, hours_)
    start = at(day + " 00:00", tz)
    end = (start.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=ZoneInfo(tz))
    assert working_time_between(cal, start, end) == expected


def test_gap_bound_is_the_instant_the_clocks_jump() -> None:
    cal = Calendar(BERLIN, EVERY_DAY, ((time(2, 30), time(4)),))
    moment = next_working_moment(cal, at("Sun 2026-03-29 00:00", BERLIN))
    assert same_instant(moment, at("Sun 2026-03-29 03:00", BERLIN))


def test_hours_wholly_inside_the_skipped_hour_do_not_work() -> None:
    cal = Calendar(BERLIN, EVERY_DAY, ((time(2, 10), time(2, 50)), (time(9), time(10))))
    moment = next_working_moment(cal, at("Sun 2026-03-29 00:00", BERLIN))
    assert same_instant(moment, at("Sun 2026-03-29 09:00", BERLIN))


def test_whole_day_over_spring_forward_counts_real_time() -> None:
    # 4 h on Saturday, then 20 real hours of a 23-hour Sunday: 21:00 on the wall clock.
    cal = Calendar(BERLIN, EVERY_DAY, ())
    result = add_working_days(cal, at("Sat 2026-03-28 20:00", BERLIN), 1)
    assert same_instant(result, at("Sun 2026-03-29 21:00", BERLIN))


def test_result_in_a_repeated_hour_carries_the_right_fold() -> None:
    cal = Calendar(NEW_YORK, EVERY_DAY, ())
    result = add_working_time(cal, at("Sun 2026-11-01 00:30", NEW_YORK), 1.5 * H)
    assert (result.hour, result.minute, result.fold) == (1, 0, 1)  # the second 01:00, EST
    assert result.astimezone(UTC) == datetime(2026, 11, 1, 6, tzinfo=UTC)


def test_new_york_office_days_over_spring_forward() -> None:
    # The jump is on a Sunday, so office hours keep their wall-clock meaning.
    cal = Calendar(NEW_YORK, MON_FRI, OFFICE_HOURS)
    result = add_working_days(cal, at("Fri 2026-03-06 16:00", NEW_YORK), 1)
    assert same_instant(result, at("Mon 2026-03-09 16:00", NEW_YORK))


def test_result_is_in_the_calendar_zone_whatever_the_input_zone() -> None:
    result = add_working_days(OFFICE, at("Fri 2026-03-13 08:00", "UTC"), 1)
    assert same_instant(result, at("Mon 2026-03-16 16:00"))


def test_hours_ending_at_midnight_mean_24_00() -> None:
    cal = Calendar(SH, EVERY_DAY, ((time(22), time(0)),))
    assert cal.day_length() == 2 * H
    result = add_working_time(cal, at("Mon 2026-03-09 23:00"), 2 * H)
    assert same_instant(result, at("Tue 2026-03-10 23:00"))


def test_day_length() -> None:
    assert OFFICE.day_length() == 7 * H
    assert WHOLE.day_length() == 24 * H
    assert Calendar.always().day_length() == 24 * H


def test_is_working_day_precedence() -> None:
    cal = Calendar(SH, MON_FRI, (), holidays={date(2026, 3, 16)}, workdays={date(2026, 3, 14)})
    assert cal.is_working_day(date(2026, 3, 14))  # make-up Saturday beats the weekend
    assert not cal.is_working_day(date(2026, 3, 15))  # an ordinary Sunday
    assert not cal.is_working_day(date(2026, 3, 16))  # holiday beats the workweek
    assert cal.is_working_day(date(2026, 3, 17))


def test_is_working_time_is_half_open() -> None:
    assert is_working_time(OFFICE, at("Tue 2026-03-10 09:00"))
    assert is_working_time(OFFICE, at("Tue 2026-03-10 11:59:59"))
    assert not is_working_time(OFFICE, at("Tue 2026-03-10 12:00"))


def test_always_is_24x7_and_comparable() -> None:
    assert Calendar.always("UTC") == Calendar("UTC", EVERY_DAY, ())
    assert hash(Calendar.always(SH)) == hash(ALWAYS)
    weekend = working_time_between(ALWAYS, at("Sat 2026-03-14 00:00"), at("Mon 2026-03-16 00:00"))
    assert weekend == 48 * H


NAIVE = datetime(2026, 3, 13, 16)
NAIVE_CALLS = {
    "add_working_time": lambda: add_working_time(OFFICE, NAIVE, H),
    "add_working_days": lambda: add_working_days(OFFICE, NAIVE, 1),
    "working_time_between": lambda: working_time_between(OFFICE, at("Fri 2026-03-13 09:00"), NAIVE),
    "next_working_moment": lambda: next_working_moment(OFFICE, NAIVE),
    "is_working_time": lambda: is_working_time(OFFICE, NAIVE),
}


@pytest.mark.parametrize("call", NAIVE_CALLS.values(), ids=NAIVE_CALLS)
def test_naive_datetimes_are_refused(call) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize("days", [-1, float("nan"), float("inf")])
def test_bad_day_counts_are_refused(days: float) -> None:
    with pytest.raises(ValueError, match="working days"):
        add_working_days(OFFICE, at("Fri 2026-03-13 09:00"), days)


def test_negative_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_time(OFFICE, at("Fri 2026-03-13 09:00"), timedelta(seconds=-1))


def test_calendar_without_working_days_raises_instead_of_looping() -> None:
    never = Calendar(SH, frozenset(), ())
    with pytest.raises(ValueError, match="no working time"):
        add_working_days(never, at("Fri 2026-03-13 09:00"), 1)
    twenty_years = (at("Thu 2026-01-01 00:00"), at("Mon 2046-01-01 00:00"))
    assert working_time_between(never, *twenty_years) == 0 * H


def test_calendar_whose_make_up_days_run_out() -> None:
    only = Calendar(SH, frozenset(), (), workdays={date(2026, 3, 14)})
    result = add_working_days(only, at("Sun 2026-03-01 00:00"), 1)
    assert same_instant(result, at("Sun 2026-03-15 00:00"))
    with pytest.raises(ValueError, match="no working time"):
        add_working_days(only, at("Sun 2026-03-01 00:00"), 2)


INVALID = {
    "unknown zone": case({"tz": "Mars/Olympus"}, "unknown time zone"),
    "weekday 7": case({"workweek": {0, 7}}, "workweek"),
    "backwards hours": case({"hours": hours((12, 9))}, "do not run forward"),
    "overlapping hours": case({"hours": hours((9, 12), (11, 13))}, "overlap"),
    "unsorted hours": case({"hours": hours((13, 14), (9, 12))}, "out of order"),
    "zoned hours": case({"hours": ((time(9, tzinfo=UTC), time(12)),)}, "wall-clock"),
    "holiday and workday": case(
        {"holidays": {date(2026, 3, 14)}, "workdays": {date(2026, 3, 14)}}, "both"
    ),
}


@pytest.mark.parametrize(("changes", "message"), INVALID.values(), ids=INVALID)
def test_invalid_calendars_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Calendar(**({"tz": SH, "workweek": MON_FRI, "hours": OFFICE_HOURS} | changes))


def test_many_working_days_step_by_interval_not_by_minute() -> None:
    start = at("Mon 2026-01-05 09:00")
    started = perf.perf_counter()
    result = add_working_days(CN_OFFICE, start, 500)
    assert perf.perf_counter() - started < 2.0
    assert working_time_between(CN_OFFICE, start, result) == 500 * 7 * H
    assert is_working_time(CN_OFFICE, result.astimezone(UTC) - timedelta(microseconds=1))
