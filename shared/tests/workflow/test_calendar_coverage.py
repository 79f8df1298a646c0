"""The calendar horizon rule (`workflow.calendar_coverage`): which years a calendar covers,
which years of the coming days it misses, and which clock runs reach an uncovered year. The
shipped schedule's coverage is injected, so the cases do not move when chinesecalendar does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints_shared.organisation import CalendarSpec, parse_organisation
from complaints_shared.workflow.calendar_coverage import (
    HORIZON_DAYS,
    ROUND_THE_CLOCK,
    calendar_coverage,
    coverage_by_calendar,
    describe_years,
    horizon_report,
    horizon_years,
    organisation_coverage,
    run_uncovered,
)
from complaints_shared.workflow.official_holidays import covered_years


def to_2026(name: str) -> range:
    if name != "cn":
        raise ValueError(f"unknown official holiday schedule {name!r}; known: cn")
    return range(2004, 2027)


OFFICIAL = CalendarSpec(official="cn")
OWN_2027 = CalendarSpec(official="cn", holidays=("2027-01-01",), workdays=("2027-02-07",))
PLAIN = CalendarSpec(holidays=("2026-10-01",))
UNKNOWN = CalendarSpec(official="xx")
BAD_DATE = CalendarSpec(official="cn", holidays=("2027-13-01",))


@pytest.mark.parametrize(
    ("spec", "today", "missing", "warning"),
    [
        # ends within 90 days: 2026-10-03 + 90 days = 2027-01-01
        (OFFICIAL, date(2026, 10, 3), (2027,), True),
        (OFFICIAL, date(2026, 10, 2), (), False),  # the horizon ends on 2026-12-31
        (OFFICIAL, date(2026, 12, 2), (2027,), True),
        (OFFICIAL, date(2026, 3, 1), (), False),
        (OFFICIAL, date(2027, 6, 1), (2027,), True),  # already past the schedule
        (OWN_2027, date(2026, 12, 2), (), False),  # the file lists 2027 itself
        (OWN_2027, date(2027, 11, 1), (2028,), True),
        (PLAIN, date(2026, 12, 2), (), False),  # no official schedule: complete as listed
        (UNKNOWN, date(2026, 3, 1), (2026,), True),
        (BAD_DATE, date(2026, 3, 1), (), True),
    ],
)
def test_missing_years_and_warning(spec, today, missing, warning) -> None:
    coverage = calendar_coverage("c", spec, today, covered=to_2026)
    assert coverage.missing_years == missing
    assert coverage.warning is warning


def test_covered_years_join_the_schedule_and_the_file() -> None:
    coverage = calendar_coverage("c", OWN_2027, date(2026, 12, 2), covered=to_2026)
    assert coverage.covered_years == tuple(range(2004, 2028))
    assert coverage.as_json() == {
        "calendar": "c",
        "covered_years": list(range(2004, 2028)),
        "missing_years": [],
        "warning": False,
    }
    plain = calendar_coverage("p", PLAIN, date(2026, 12, 2), covered=to_2026)
    assert plain.covered_years == (2026,) and plain.complete and plain.covers(2999)
    unknown = calendar_coverage("u", UNKNOWN, date(2026, 3, 1), covered=to_2026)
    assert "unknown official holiday schedule" in (unknown.error or "")
    bad = calendar_coverage("b", BAD_DATE, date(2026, 3, 1), covered=to_2026)
    assert "2027-13-01" in (bad.error or "")


def test_the_horizon_report_has_the_fixed_names() -> None:
    coverages = [
        calendar_coverage("a", OFFICIAL, date(2026, 12, 2), covered=to_2026),
        calendar_coverage("b", PLAIN, date(2026, 12, 2), covered=to_2026),
    ]
    report = horizon_report(coverages)
    assert report == {
        "horizon_days": 90,
        "warning": True,
        "calendars": [
            {
                "calendar": "a",
                "covered_years": list(range(2004, 2027)),
                "missing_years": [2027],
                "warning": True,
            },
            {"calendar": "b", "covered_years": [2026], "missing_years": [], "warning": False},
        ],
    }
    assert horizon_report(coverages[1:])["warning"] is False


def test_describe_years() -> None:
    assert describe_years(range(2004, 2027)) == "2004-2026"
    assert describe_years([2028, 2004, 2005, 2026]) == "2004-2005, 2026, 2028"
    assert describe_years([]) == "none"


@given(
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    last=st.integers(min_value=2000, max_value=2100),
    own=st.sets(st.integers(min_value=2000, max_value=2101), max_size=4),
    days=st.integers(min_value=0, max_value=800),
)
def test_a_year_is_missing_exactly_when_the_horizon_reaches_it_and_nothing_covers_it(
    today: date, last: int, own: set[int], days: int
) -> None:
    spec = CalendarSpec(official="cn", holidays=tuple(f"{y}-01-01" for y in sorted(own)))
    coverage = calendar_coverage(
        "c", spec, today, days=days, covered=lambda _: range(2000, last + 1)
    )
    reached = {d.year for d in (today + timedelta(days=n) for n in range(days + 1))}
    expected = sorted(y for y in reached if y > last and y not in own)
    assert list(coverage.missing_years) == expected
    assert coverage.warning is bool(expected)
    assert set(coverage.covered_years) == set(range(2000, last + 1)) | own
    assert list(horizon_years(today, days)) == sorted(reached)


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    calendar=st.sampled_from([ROUND_THE_CLOCK, "P", "P-B", "HQ", None, "NOWHERE"]),
)
def test_a_run_is_uncovered_when_a_working_calendar_misses_a_year_it_reaches(
    start: datetime, span: timedelta, calendar: str | None
) -> None:
    org = organisation()
    coverages = coverage_by_calendar(org, covered=to_2026)
    begin = start.replace(tzinfo=UTC)
    end = begin + span
    flagged = run_uncovered(org, coverages, calendar, begin, end)
    if calendar in (ROUND_THE_CLOCK, None, "NOWHERE", "HQ"):  # HQ: no calendar up its tree
        assert not flagged
        return
    # P and P-B (inherited) run on `cn`, which knows 2004-2026, read in Shanghai time
    local_years = {(begin + timedelta(hours=8)).year, (end + timedelta(hours=8)).year}
    assert flagged is (max(local_years) > 2026)


def organisation():
    return parse_organisation(
        {
            "timezone": "Asia/Shanghai",
            "business_lines": ["cards"],
            "calendars": {"cn": {"official": "cn", "hours": ["09:00-17:00"]}},
            "units": [
                {"id": "HQ", "kind": "hq"},
                {"id": "HQ-QSG", "kind": "hq_quality_group", "parent": "HQ"},
                {"id": "P", "kind": "province", "parent": "HQ", "calendar": "cn"},
                {"id": "P-SUP", "kind": "supervision_line", "parent": "P"},
                {"id": "P-CARDS", "kind": "province_department", "parent": "P", "lines": ["cards"]},
                {"id": "P-B", "kind": "branch", "parent": "P", "lines": ["cards"]},
            ],
        }
    )


def test_uncovered_runs_by_example() -> None:
    org = organisation()
    coverages = coverage_by_calendar(org, covered=to_2026)
    at = datetime(2026, 12, 30, 9, tzinfo=UTC)
    assert run_uncovered(org, coverages, "P-B", at, at + timedelta(days=3))  # into 2027
    assert not run_uncovered(org, coverages, "P-B", at, at + timedelta(hours=5))
    assert not run_uncovered(org, coverages, ROUND_THE_CLOCK, at, at + timedelta(days=3))
    assert not run_uncovered(org, coverages, "P-B", at, None)
    # 2026-12-31 16:30 UTC is already 2027-01-01 in Shanghai
    late = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert run_uncovered(org, coverages, "P", late - timedelta(hours=1), late)


def test_the_installed_schedule_is_the_default() -> None:
    org = organisation()
    last = covered_years("cn").stop - 1
    (coverage,) = organisation_coverage(org, date(last, 12, 1))
    assert coverage.missing_years == (last + 1,)
    assert coverage.covered_years[-1] == last
    assert HORIZON_DAYS == 90
