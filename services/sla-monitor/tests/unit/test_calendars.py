"""Calendars from the organisation file, and the shipped official holiday schedule."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from complaints_shared.organisation import CalendarSpec, parse_organisation
from complaints_shared.workflow import official_holidays
from complaints_shared.workflow.official_holidays import covered_years, official_days
from sla_monitor.domain.calendars import build_calendar, calendar_for_unit, parse_hours
from sla_monitor.domain.working_time import Calendar, add_working_days

SH = "Asia/Shanghai"
OFFICE_HOURS = ("09:00-12:00", "13:30-17:30")


def org(**calendars: dict) -> object:
    """HQ (own calendar) > province (own calendar, own zone) > branch (inherits) > outlet."""
    return parse_organisation(
        {
            "timezone": SH,
            "calendars": calendars,
            "units": [
                {"id": "hq", "kind": "hq", "calendar": "hq" if "hq" in calendars else None},
                {"id": "xj", "kind": "province", "parent": "hq", "timezone": "Asia/Urumqi"},
                {"id": "gd", "kind": "province", "parent": "hq", "calendar": "gd"},
                {"id": "xj-supervision", "kind": "supervision_line", "parent": "xj"},
                {"id": "gd-supervision", "kind": "supervision_line", "parent": "gd"},
                {"id": "gz", "kind": "branch", "parent": "gd"},
                {"id": "gz-1", "kind": "outlet", "parent": "gz", "timezone": "Asia/Hong_Kong"},
                {"id": "kashgar", "kind": "branch", "parent": "xj"},
            ],
        }
    )


GD = {"hours": OFFICE_HOURS, "official": "cn", "holidays": ["2026-10-10"]}
HQ = {"workweek": ["mon", "tue", "wed", "thu", "fri", "sat"], "hours": ["08:00-18:00"]}


def test_build_calendar_from_spec() -> None:
    spec = CalendarSpec(
        workweek=("mon", "tue", "wed", "thu", "fri"),
        hours=("13:30-17:30", "09:00-12:00"),  # any order in the file
        holidays=("2026-03-16",),
        workdays=("2026-03-21",),
    )
    assert build_calendar(spec, SH) == Calendar(
        tz=SH,
        workweek=frozenset({0, 1, 2, 3, 4}),
        hours=((time(9), time(12)), (time(13, 30), time(17, 30))),
        holidays=frozenset({date(2026, 3, 16)}),
        workdays=frozenset({date(2026, 3, 21)}),
    )


def test_default_spec_is_monday_to_friday_whole_days() -> None:
    assert build_calendar(CalendarSpec(), "UTC") == Calendar("UTC", frozenset(range(5)), ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-12:00", (time(9), time(12))),
        ("9:00 - 17:30", (time(9), time(17, 30))),
        ("22:00-24:00", (time(22), time(0))),
        ("00:00-24:00", (time(0), time(0))),
    ],
)
def test_parse_hours(text: str, expected: tuple[time, time]) -> None:
    assert parse_hours(text) == expected


@pytest.mark.parametrize("text", ["9-5", "09:00", "25:00-26:00", "09:60-10:00", "09:00-24:30"])
def test_parse_hours_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="business hours"):
        parse_hours(text)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CalendarSpec(hours=("12:00-09:00",)), "do not run forward"),
        (CalendarSpec(hours=("09:00-12:00", "11:00-13:00")), "overlap"),
        (CalendarSpec(holidays=("2026-13-01",)), "holidays"),
        (CalendarSpec(holidays=("2026-10-10",), workdays=("2026-10-10",)), "both"),
        (CalendarSpec(official="moon"), "unknown official holiday schedule 'moon'"),
    ],
)
def test_build_calendar_refuses_bad_specs(spec: CalendarSpec, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_calendar(spec, SH)


def test_official_cn_days_are_merged() -> None:
    cal = build_calendar(CalendarSpec(hours=OFFICE_HOURS, official="cn"), SH)
    assert not cal.is_working_day(date(2026, 10, 1))  # National Day, a Thursday
    assert cal.is_working_day(date(2026, 10, 10))  # make-up Saturday
    assert cal.is_working_day(date(2026, 9, 20))  # make-up Sunday
    assert not cal.is_working_day(date(2026, 10, 11))  # an ordinary Sunday


def test_own_dates_win_over_the_official_schedule() -> None:
    spec = CalendarSpec(official="cn", holidays=("2026-10-10",), workdays=("2026-10-05",))
    cal = build_calendar(spec, SH)
    assert not cal.is_working_day(date(2026, 10, 10))  # this unit skips the make-up Saturday
    assert cal.is_working_day(date(2026, 10, 5))  # and staffs one National Day Monday
    assert not cal.is_working_day(date(2026, 10, 6))


def test_unit_inherits_the_nearest_calendar_and_time_zone() -> None:
    organisation = org(gd=GD, hq=HQ)
    gd = calendar_for_unit(organisation, "gd")
    assert calendar_for_unit(organisation, "gz") == gd  # branch inherits its province's
    assert gd.tz == SH and gd.hours[0] == (time(9), time(12))
    outlet = calendar_for_unit(organisation, "gz-1")  # province calendar, own zone
    assert outlet.tz == "Asia/Hong_Kong" and outlet.hours == gd.hours
    kashgar = calendar_for_unit(organisation, "kashgar")  # HQ calendar, province zone
    assert kashgar.tz == "Asia/Urumqi"
    assert kashgar.workweek == frozenset(range(6)) and kashgar.hours == ((time(8), time(18)),)


def test_unit_without_a_calendar_anywhere_works_monday_to_friday_whole_days() -> None:
    organisation = org(gd=GD)
    assert calendar_for_unit(organisation, "kashgar") == Calendar(
        "Asia/Urumqi", frozenset(range(5)), ()
    )
    assert calendar_for_unit(organisation, "hq") == Calendar(SH, frozenset(range(5)), ())


def test_inherited_calendar_counts_deadlines_over_national_day() -> None:
    cal = calendar_for_unit(org(gd=GD), "gz")
    start = datetime(2026, 9, 30, 16, tzinfo=ZoneInfo(SH))
    # 1.5 h on 30 Sept; 7 h each on 8 and 9 Oct; the make-up Saturday is off for this unit.
    assert add_working_days(cal, start, 3) == datetime(2026, 10, 12, 16, tzinfo=ZoneInfo(SH))


def test_bad_calendar_is_named_with_the_unit() -> None:
    organisation = org(gd={"hours": ["17:00-09:00"]})
    with pytest.raises(ValueError, match="calendar 'gd' \\(used by unit gz\\)"):
        calendar_for_unit(organisation, "gz")


def test_unknown_unit_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        calendar_for_unit(org(gd=GD), "nowhere")


def test_official_days_cn() -> None:
    holidays, workdays = official_days("cn")
    assert date(2026, 10, 1) in holidays and date(2026, 10, 7) in holidays
    assert {date(2026, 9, 20), date(2026, 10, 10)} <= workdays
    assert not holidays & workdays


def test_unknown_official_schedule_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown official holiday schedule 'CN'; known: cn"):
        official_days("CN")


def test_docstring_states_the_years_the_installed_data_covers() -> None:
    years = covered_years("cn")
    assert years.start <= 2025 and years.stop > 2026
    statement = f"{years.start} to {years.stop - 1}"
    assert statement in " ".join(official_holidays.__doc__.split()), (
        f"chinesecalendar {chinese_calendar.__version__} covers {statement}: "
        "update the docstring of complaints_shared.workflow.official_holidays"
    )
