"""Percentiles, on-time rates and local days: the arithmetic every figure is made of."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.domain.stats import day_bounds, days, durations, local_day, on_time, percentile

SHANGHAI = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7], 0.5, 7),
        ([7], 0.9, 7),
        ([1, 3], 0.5, 2),
        ([3, 1, 2], 0.5, 2),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1),  # rank 8.1: 9 + 0.1 * (10 - 9)
        ([10, 20, 30, 40, 50], 0.9, 46),  # rank 3.6: 40 + 0.6 * 10
        ([60, 600, 3600], 0.0, 60),
        ([60, 600, 3600], 1.0, 3600),
    ],
)
def test_percentile_interpolates_between_closest_ranks(values, fraction, expected):
    if expected is None:
        assert percentile(values, fraction) is None
    else:
        assert percentile(values, fraction) == pytest.approx(expected)


def test_percentile_refuses_a_fraction_outside_zero_one():
    with pytest.raises(ValueError):
        percentile([1, 2], 1.5)


@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=60))
def test_median_is_the_statistics_median_and_p90_lies_between_it_and_the_max(values):
    figures = durations(values)
    assert figures.count == len(values)
    assert figures.median_seconds == pytest.approx(statistics.median(values))
    assert figures.median_seconds <= figures.p90_seconds + 1e-9
    assert min(values) <= figures.p90_seconds <= max(values)


def test_durations_of_nothing_have_no_median():
    assert durations([]).as_dict() == {"count": 0, "median_seconds": None, "p90_seconds": None}


def test_on_time_rate_counts_only_decided_runs():
    figures = on_time(["on_time", "late", "pending", "on_time", "on_time"])
    assert (figures.on_time, figures.late, figures.decided) == (3, 1, 4)
    assert figures.rate == 0.75
    assert on_time(["pending"]).rate is None
    assert on_time([]).as_dict() == {"on_time": 0, "late": 0, "rate": None}


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        # 23:30 UTC on the 22nd is already 07:30 on the 23rd in Shanghai.
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), SHANGHAI, date(2026, 11, 23)),
        # 15:59:59 UTC is 23:59:59 local: still the same day.
        (datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC), SHANGHAI, date(2026, 11, 22)),
        (datetime(2026, 11, 22, 16, 0, tzinfo=UTC), SHANGHAI, date(2026, 11, 23)),
        # An offset of its own is converted, not trusted as local.
        (
            datetime(2026, 11, 23, 1, 0, tzinfo=timezone(timedelta(hours=-5))),
            SHANGHAI,
            date(2026, 11, 23),
        ),
        # Daylight saving time: 2026-03-29 01:30 UTC is 03:30 CEST in Paris.
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Europe/Paris", date(2026, 3, 29)),
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "Europe/Paris", date(2026, 3, 29)),
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), "Europe/Paris", date(2026, 3, 28)),
    ],
)
def test_local_day_is_the_day_in_the_units_time_zone_not_utc(instant, zone, expected):
    assert local_day(instant, zone) == expected


def test_local_day_refuses_a_naive_instant():
    with pytest.raises(ValueError):
        local_day(datetime(2026, 11, 23, 10, 0), SHANGHAI)


def test_days_and_their_bounds_are_local():
    assert days(date(2026, 11, 29), date(2026, 12, 2)) == [
        date(2026, 11, 29),
        date(2026, 11, 30),
        date(2026, 12, 1),
        date(2026, 12, 2),
    ]
    start, end = day_bounds(date(2026, 11, 23), date(2026, 11, 23), SHANGHAI)
    assert start == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1)
    # A day of 23 hours: the night the clocks go forward in Paris.
    start, end = day_bounds(date(2026, 3, 29), date(2026, 3, 29), "Europe/Paris")
    assert end - start == timedelta(hours=23)
