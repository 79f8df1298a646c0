"""The reports' pure parts: the month and its local bounds, who may read which unit's report,
and the figures of hand-made facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.domain.assessment import Received, assessment
from dashboard.domain.report_facts import Fact
from dashboard.domain.report_scope import (
    ReportRefused,
    month_bounds,
    parse_month,
    report_scope,
    units_of,
)
from dashboard.domain.return_visit_report import return_visit_report

from .org import ORG

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "first"),
    [("2026-11", (2026, 11, 1)), ("1970-01", (1970, 1, 1)), ("2999-12", (2999, 12, 1))],
)
def test_a_month_is_yyyy_mm(text, first):
    assert parse_month(text).timetuple()[:3] == first


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-1", "26-11", "1969-12", "3000-01", "2026-11-01", "", "x"]
)
def test_a_bad_month_is_refused_naming_the_field(text):
    with pytest.raises(ReportRefused) as refused:
        parse_month(text)
    assert (refused.value.status, refused.value.field) == (422, "month")


@pytest.mark.parametrize(
    ("month", "zone", "start", "end"),
    [
        ("2026-11", "Asia/Shanghai", "2026-10-31T16:00", "2026-11-30T16:00"),
        ("2026-12", "Asia/Shanghai", "2026-11-30T16:00", "2026-12-31T16:00"),
        ("2026-11", "Asia/Urumqi", "2026-10-31T18:00", "2026-11-30T18:00"),
        # across a daylight-saving change: local midnights, not 24-hour days
        ("2026-03", "Europe/Berlin", "2026-02-28T23:00", "2026-03-31T22:00"),
    ],
)
def test_a_month_is_bounded_by_local_midnights(month, zone, start, end):
    bounds = month_bounds(parse_month(month), zone)
    assert [b.strftime("%Y-%m-%dT%H:%M") for b in bounds] == [start, end]
    assert all(b.tzinfo is UTC for b in bounds)


@pytest.mark.parametrize(
    ("caller", "unit", "status"),
    [
        ("YN-KM", "YN", 404),  # above the caller
        ("YN-KM", "YN-DL", 404),  # beside it
        ("YN-SUP", "YN", 404),  # a supervising line reads no province report
        ("XJ", "YN-KM", 404),  # another province
        ("YN", "NOWHERE", 422),  # unknown
    ],
)
def test_a_unit_the_caller_does_not_manage_has_no_report(caller, unit, status):
    with pytest.raises(ReportRefused) as refused:
        report_scope(ORG, caller, unit, "2026-11", NOW)
    assert (refused.value.status, refused.value.field) == (status, "unit")


def test_the_defaults_are_the_callers_unit_and_its_current_month():
    scope = report_scope(ORG, "XJ-KM", None, None, NOW)
    assert (scope.unit, scope.month, scope.zone) == ("XJ-KM", "2026-12", "Asia/Urumqi")
    assert report_scope(ORG, "HQ", "YN-KM-01", "2026-11", NOW).unit == "YN-KM-01"


def test_the_units_are_the_subtree_in_the_organisations_order():
    assert units_of(ORG, "YN-KM") == ["YN-KM", "YN-KM-01", "YN-KM-02"]
    assert units_of(ORG, "YN")[:3] == ["YN", "YN-SUP", "YN-CS"]


SCOPE = report_scope(ORG, "YN", "YN-KM", "2026-11", NOW)
T = SCOPE.start + timedelta(days=3)


def fact(kind: str, unit: str = "YN-KM-01", who: str | None = "E1", **more) -> Fact:
    more.setdefault("at", T)
    more.setdefault("complaint_id", "C1")
    eid = more.pop("event_id", f"{kind}-{len(more)}-{more['at'].isoformat()}-{more.get('name')}")
    return Fact(
        event_id=eid,
        seq=0,
        kind=kind,
        unit=unit,
        handler_id=who,
        handler_name="张三" if who else None,
        **more,
    )


def test_each_figure_counts_its_facts():
    facts = [
        fact("received", who=None, category="attitude", repeat=True),
        fact("received", who=None, complaint_id="C2", category="product"),
        fact("received", who=None, complaint_id="C3", at=SCOPE.end),  # next month
        fact("taken", complaint_id="C1"),
        fact("taken", complaint_id="C2", who="E2"),
        fact("classified", outcome="valid", at=T),
        fact("classified", outcome="special", at=T + timedelta(hours=1)),  # the last one counts
        fact("clock", name="start", outcome="on_time"),
        fact("clock", name="start", outcome="late", breach=True, event_id="b1"),
        fact("clock", name="resolve", outcome="late", event_id="b2"),
        fact("sample", name="start", seconds=60, event_id="s1"),
        fact("sample", name="start", seconds=120, event_id="s2"),
        fact("sample", name="resolve", seconds=3600, event_id="s3"),
        fact("visit", satisfaction=4, reached=True, event_id="v1"),
        fact("visit", satisfaction=None, reached=False, event_id="v2"),
    ]
    report = assessment(ORG, SCOPE, facts, {"C2": Received("product", False)})
    row = report["units"][1]
    assert row["unit"] == "YN-KM-01"
    assert (row["received"], row["taken"], row["repeat_complainants"]) == (2, 2, 1)
    assert (row["by_category"]["attitude"], row["by_category"]["product"]) == (1, 1)
    assert (row["valid"], row["special"], row["breaches"]) == (0, 1, 1)
    assert row["clocks"]["start"] == {"on_time": 1, "late": 1, "rate": 0.5}
    assert row["clocks"]["resolve"] == {"on_time": 0, "late": 1, "rate": 0.0}
    assert row["clocks"]["transfer"] == {"on_time": 0, "late": 0, "rate": None}
    assert row["time_to_start"] == {"count": 2, "median_seconds": 90.0, "p90_seconds": 114.0}
    assert row["satisfaction"] == {
        "count": 1, "average": 4.0, "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
    }  # fmt: skip
    assert report["units"][0]["received"] == 0 and report["totals"]["received"] == 2
    handlers = {h["handler"]["id"]: h for h in report["handlers"]}
    assert handlers["E1"]["handler"] == {"id": "E1", "name": "张三"}
    assert (handlers["E1"]["taken"], handlers["E1"]["by_category"]["attitude"]) == (1, 1)
    assert (handlers["E2"]["taken"], handlers["E2"]["by_category"]["product"]) == (1, 1)
    assert "received" not in handlers["E1"]


def test_facts_outside_the_month_or_the_units_are_left_out():
    facts = [
        fact("received", who=None, at=SCOPE.start - timedelta(seconds=1)),
        fact("received", who=None, at=SCOPE.start, complaint_id="C2"),
        fact("received", who=None, unit="YN-DL-01", complaint_id="C3"),
        fact("taken", unit="YN-DL-01", who="E9"),
    ]
    report = assessment(ORG, SCOPE, facts, {})
    assert report["totals"]["received"] == 1
    assert report["handlers"] == []


def test_the_return_visit_summary():
    facts = [
        fact("visit_due", name="return_visit"),
        fact("visit_due", name="return_visit", at=SCOPE.end),  # due next month
        fact("visit", satisfaction=1, reached=True, customer_asks="要求赔偿", event_id="v1"),
        fact("visit", satisfaction=None, reached=False, event_id="v2"),
        fact("visit_outcome", name="return_visit", outcome="on_time", event_id="o1"),
        fact("visit_outcome", name="return_visit", outcome="late", event_id="o2"),
        fact("visit_outcome", name="return_visit", outcome="late", event_id="o3"),
    ]
    report = return_visit_report(ORG, SCOPE, facts)
    row = report["units"][1]
    assert {k: row[k] for k in ("due", "made", "reached", "on_time", "late", "dissatisfied")} == {
        "due": 1, "made": 2, "reached": 1, "on_time": 1, "late": 2, "dissatisfied": 1,
    }  # fmt: skip
    assert row["on_time_rate"] == pytest.approx(1 / 3)
    assert report["totals"]["made"] == 2
    assert report["customer_asks"] == [
        {
            "complaint_id": "C1",
            "unit": "YN-KM-01",
            "label": "YN-KM-01",
            "visited_at": (T + timedelta(hours=8)).replace(tzinfo=None).isoformat() + "+08:00",
            "reached": True,
            "satisfaction": 1,
            "customer_asks": "要求赔偿",
        }
    ]
    assert [h["handler"]["id"] for h in report["handlers"]] == ["E1"]
