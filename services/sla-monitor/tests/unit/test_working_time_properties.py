"""Properties of the working-time engine, some checked against a minute-by-minute oracle."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sla_monitor.domain.working_time import (
    Calendar,
    add_working_days,
    add_working_time,
    is_working_time,
    next_working_moment,
    working_time_between,
)

MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1)
# Zones with and without DST; Lord Howe moves its clocks by half an hour. The dates are the
# 2026 transitions, where starts are drawn more often.
TRANSITIONS = {
    "UTC": [],
    "Asia/Shanghai": [],
    "Europe/Berlin": [date(2026, 3, 29), date(2026, 10, 25)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],
    # Santiago changes its clocks at midnight: 24:00 -> 23:00 and 24:00 -> 01:00.
    "America/Santiago": [date(2026, 4, 4), date(2026, 9, 6)],
}
DST_ZONES = sorted(tz for tz, days in TRANSITIONS.items() if days)
DAYS_2026 = st.dates(date(2026, 1, 1), date(2026, 12, 31))
FAST = settings(max_examples=100, deadline=None)
ORACLE = settings(max_examples=50, deadline=None)


def utc(moment: datetime) -> datetime:
    """Compare instants in UTC: Python compares datetimes sharing a tzinfo by wall time
    (ignoring fold), and == across zones is False for a wall time the zone repeats."""
    return moment.astimezone(UTC)


def _dates_from(days) -> st.SearchStrategy[date]:
    """Mostly the given dates (where the interesting things happen), sometimes any in 2026."""
    return st.sampled_from(sorted(days)) | DAYS_2026 if days else DAYS_2026


def _time(minutes: int) -> time:
    return time(0) if minutes == 1440 else time(minutes // 60, minutes % 60)


@st.composite
def calendars(draw, grid: int = 1, zones: list[str] | None = None) -> Calendar:
    """Random calendars; `grid` is the spacing of business-hour bounds in minutes."""
    tz = draw(st.sampled_from(zones or sorted(TRANSITIONS)))
    workweek = draw(st.frozensets(st.integers(0, 6), min_size=1))
    hours: tuple[tuple[time, time], ...] = ()
    if draw(st.booleans()):
        points = draw(st.lists(st.integers(0, 1440 // grid), min_size=2, max_size=6, unique=True))
        points = sorted(points)[: len(points) // 2 * 2]
        hours = tuple(
            (_time(points[i] * grid), _time(points[i + 1] * grid)) for i in range(0, len(points), 2)
        )
    holidays = draw(st.frozensets(DAYS_2026, max_size=40))
    workdays = draw(st.frozensets(DAYS_2026, max_size=20)) - holidays
    return Calendar(tz, workweek, hours, holidays, workdays)


@st.composite
def instants(draw, cal: Calendar, whole_minutes: bool = False) -> datetime:
    """An aware instant in 2026, often near a DST transition or on a business-hour bound."""
    zone = ZoneInfo(cal.tz)
    day = draw(_dates_from(TRANSITIONS[cal.tz]))
    bounds = [b for pair in cal.hours for b in pair] or [time(0)]
    wall = draw(st.sampled_from(bounds)) if draw(st.booleans()) else time(0)
    base = datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)
    shift = timedelta(minutes=draw(st.integers(-3 * 1440, 3 * 1440)))
    if not whole_minutes and draw(st.booleans()):
        shift += timedelta(microseconds=draw(st.integers(0, 60_000_000)))
    return base + shift


durations = st.integers(0, 5 * 86400).map(lambda s: timedelta(seconds=s)) | st.just(timedelta(0))


def _oracle_works(cal: Calendar, moment: datetime) -> bool:
    """Whether the wall clock at `moment` shows working time, read naively from the fields."""
    local = moment.astimezone(ZoneInfo(cal.tz))
    day = local.date()
    works = day in cal.workdays or (day not in cal.holidays and day.weekday() in cal.workweek)
    spans = [(a.hour * 60 + a.minute, b.hour * 60 + b.minute or 1440) for a, b in cal.hours]
    minute = local.hour * 60 + local.minute
    return works and any(a <= minute < b for a, b in spans or [(0, 1440)])


def _oracle_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    minutes, moment = 0, start
    while moment < end:
        minutes += _oracle_works(cal, moment)
        moment += MINUTE
    return minutes * MINUTE


# The oracle reads wall clocks, which is exact only when no bound falls strictly inside an
# hour the clocks skip or repeat: whole-hour bounds (grid=60) guarantee that in these zones.
@ORACLE
@given(st.data())
def test_working_time_between_matches_the_minute_oracle(data: st.DataObject) -> None:
    cal = data.draw(calendars(grid=60))
    start = data.draw(instants(cal, whole_minutes=True))
    end = start + data.draw(st.integers(0, 3 * 1440)) * MINUTE
    assert working_time_between(cal, start, end) == _oracle_between(cal, start, end)


@ORACLE
@given(st.data())
def test_add_working_time_matches_the_minute_oracle(data: st.DataObject) -> None:
    cal = data.draw(calendars(grid=60))
    start = data.draw(instants(cal, whole_minutes=True))
    duration = data.draw(st.integers(1, 2 * 1440)) * MINUTE
    # Arithmetic in UTC too: Python adds a timedelta to an aware datetime on the wall clock.
    result = utc(add_working_time(cal, start, duration))
    # The last minute consumed is working time: nothing earlier would have reached `duration`.
    assert _oracle_works(cal, result - MINUTE)
    if result - start <= timedelta(days=5):
        assert _oracle_between(cal, start, result) == duration


@FAST
@given(st.data())
def test_result_lands_in_working_time_or_at_an_interval_end(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    start = data.draw(instants(cal))
    duration = data.draw(durations)
    result = add_working_time(cal, start, duration)
    assert result.tzinfo == ZoneInfo(cal.tz)
    if duration:
        assert is_working_time(cal, utc(result) - TICK)
    elif is_working_time(cal, start):
        assert utc(result) == utc(start)
    else:
        assert utc(result) > utc(start) and is_working_time(cal, result)


@FAST
@given(st.data())
def test_add_then_measure_returns_the_duration(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    start = data.draw(instants(cal))
    duration = data.draw(durations)
    assert working_time_between(cal, start, add_working_time(cal, start, duration)) == duration


@FAST
@given(st.data())
def test_monotone_in_start_and_in_duration(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    first, second = sorted([utc(data.draw(instants(cal))), utc(data.draw(instants(cal)))])
    shorter, longer = sorted([data.draw(durations), data.draw(durations)])
    earliest = utc(add_working_time(cal, first, shorter))
    assert earliest <= utc(add_working_time(cal, second, shorter))
    assert earliest <= utc(add_working_time(cal, first, longer))


@FAST
@given(st.data())
def test_adding_in_two_steps_is_adding_the_sum(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    start = data.draw(instants(cal))
    first, second = data.draw(durations), data.draw(durations)
    assume(second > timedelta(0))  # adding zero at an interval's end moves to the next one
    halfway = add_working_time(cal, start, first)
    in_two = add_working_time(cal, halfway, second)
    assert utc(in_two) == utc(add_working_time(cal, start, first + second))


@FAST
@given(st.data())
def test_working_time_between_is_additive_over_a_split_point(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    a, b, c = sorted(utc(data.draw(instants(cal))) for _ in range(3))
    whole = working_time_between(cal, a, c)
    assert whole == working_time_between(cal, a, b) + working_time_between(cal, b, c)
    assert timedelta(0) <= whole <= c - a
    assert working_time_between(Calendar.always(cal.tz), a, c) == c - a


@FAST
@given(st.data())
def test_days_are_day_lengths_and_input_zone_does_not_matter(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    start = data.draw(instants(cal))
    days = data.draw(st.integers(0, 4) | st.floats(0, 4, allow_nan=False))
    expected = utc(add_working_time(cal, start, cal.day_length() * days))
    assert utc(add_working_days(cal, start, days)) == expected
    elsewhere = start.astimezone(ZoneInfo("Pacific/Kiritimati"))
    assert utc(add_working_days(cal, elsewhere, days)) == expected


@FAST
@given(st.data())
def test_next_working_moment(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    start = data.draw(instants(cal))
    moment = next_working_moment(cal, start)
    assert utc(moment) >= utc(start)
    assert is_working_time(cal, moment)
    assert working_time_between(cal, start, moment) == timedelta(0)
    assert utc(next_working_moment(cal, moment)) == utc(moment)


@FAST
@given(st.data())
def test_holidays_and_make_up_days_decide_which_days_work(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    day = data.draw(_dates_from(cal.holidays | cal.workdays))
    works = day in cal.workdays or (day not in cal.holidays and day.weekday() in cal.workweek)
    assert cal.is_working_day(day) == works
    zone = ZoneInfo(cal.tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    measured = working_time_between(cal, start, end)
    if not works:
        assert measured == timedelta(0)
    elif day not in TRANSITIONS[cal.tz]:
        assert measured == cal.day_length()


@FAST
@given(st.sampled_from(DST_ZONES), st.integers(0, 1), st.booleans())
def test_whole_working_days_on_dst_days_last_their_real_length(
    tz: str, which: int, hours: bool
) -> None:
    day = TRANSITIONS[tz][which]
    cal = Calendar(tz, frozenset(range(7)), ((time(0), time(0)),) if hours else ())
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    real = end.astimezone(UTC) - start.astimezone(UTC)
    assert real != timedelta(days=1)  # the day really is a transition day
    assert working_time_between(cal, start, end) == real
    assert utc(add_working_time(cal, start, real)) == utc(end)
