"""Grouping, live figures and period figures over a small organisation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from complaints_shared.contracts import complaint_events as c
from dashboard.domain import live, period
from dashboard.domain.scope import grouper, resolve_scope, unit_timezones
from dashboard.domain.summary import FigureQuery, summarise
from dashboard.entrypoints.csv_format import summary_rows

from .events import T0, action, assigned, at, breached, fold, received, started, stopped
from .org import ORG


def test_units_group_by_the_level_below_the_scope():
    group = grouper(ORG, "YN")
    assert [group(u) for u in ("YN", "YN-KM", "YN-KM-02", "YN-SUP", "HQ-DIO")] == [
        "YN",
        "YN-KM",
        "YN-KM",
        "YN-SUP",
        "HQ-DIO",
    ]
    assert grouper(ORG, "HQ")("XJ-KM-01") == "XJ"
    assert unit_timezones(ORG)("XJ-KM-01") == "Asia/Urumqi"
    assert unit_timezones(ORG)("YN-KM-01") == "Asia/Shanghai"
    # A province's supervising units see its complaints, and group them as the province does.
    assert resolve_scope(ORG, "YN-SUP", None).groups_under == "YN"
    assert resolve_scope(ORG, "YN-KM", None).groups_under == "YN-KM"


NOW = at(100)
SOON = timedelta(hours=1)


def test_live_states_due_within_the_hour_and_breached():
    fresh = fold(received(), started("transfer", "YN-KM-01", T0, at(150)))  # due in 50 min
    late = fold(
        received(),
        started("start", "YN-KM-01", T0, at(60)),
        (breached("start", "YN-KM-01", at(60)), at(60)),
    )
    overdue = fold(received(), started("start", "YN-KM-01", T0, at(99)))  # breach on its way
    calm = fold(received(), started("resolve", "YN-KM-01", T0, at(400)))
    paused = fold(received(), started("transfer", "YN-KM-01", T0, at(120)))
    paused.runs[0].state = "paused"
    done = fold(
        received(),
        started("start", "YN-KM-01", T0, at(60)),
        action(c.Resolved, "YN-KM-01", at(10), reply="ok"),
    )
    assert live.live_states(fresh, NOW, SOON) == {"open", "due_soon"}
    assert live.live_states(late, NOW, SOON) == {"open", "breached"}
    assert live.live_states(overdue, NOW, SOON) == {"open", "breached"}
    assert live.live_states(calm, NOW, SOON) == {"open"}
    assert live.live_states(paused, NOW, SOON) == {"open"}
    assert live.live_states(done, NOW, SOON) == set()
    rows = live.at_risk([calm, fresh, late, paused, done], NOW, limit=3)
    assert [(r[1].clock, r[2]) for r in rows] == [
        ("start", "breached"),
        ("transfer", "paused"),
        ("transfer", "running"),
    ]


def test_the_period_takes_complaints_by_the_local_day_they_were_received():
    zone = unit_timezones(ORG)
    late_evening = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai, 21:30 Urumqi
    after_midnight = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)  # 00:30 on the 23rd in Shanghai
    km = fold(received("YN-KM-01", late_evening), complaint_id="A")
    km_next = fold(received("YN-KM-01", after_midnight), complaint_id="B")
    xj = fold(received("XJ-KM-01", after_midnight), complaint_id="C")  # 22:30 on the 22nd
    chosen = period.cohort([km, km_next, xj], date(2026, 11, 22), date(2026, 11, 22), zone)
    assert [x.complaint_id for x in chosen] == ["A", "C"]
    days, series = period.received_series(
        [km, km_next, xj], date(2026, 11, 22), date(2026, 11, 23), zone, grouper(ORG, "HQ")
    )
    assert series == {"YN": [1, 1], "XJ": [1, 0]}


def test_summary_of_a_province():
    one = fold(
        received("YN-KM-01", channel="hotline"),
        (assigned("YN-KM-01"), T0),
        started("start", "YN-KM-01", T0, at(120)),
        action(c.ComplaintAccepted, "YN-KM-01", at(20)),
        stopped("start", "YN-KM-01", at(20)),
        action(c.Resolved, "YN-KM-01", at(60), reply="ok"),
        action(c.Classified, "YN", at(61), classification="valid"),
        action(c.ReturnVisitRecorded, "YN-SUP", at(62), satisfaction=5),
        complaint_id="A",
    )
    two = fold(
        received("YN-DL"),
        (assigned("YN-DL"), T0),
        started("start", "YN-DL", T0, at(60)),
        (breached("start", "YN-DL", at(60)), at(60)),
        started("resolve", "YN-DL", T0, at(130)),
        complaint_id="B",
    )
    q = FigureQuery(
        scope=resolve_scope(ORG, "YN", None),
        first=date(2026, 11, 17),
        last=date(2026, 11, 23),
        now=NOW,
    )
    s = summarise(ORG, [one, two], q)
    assert s["live"]["totals"] == {"open": 1, "due_soon": 1, "breached": 1}
    assert [(r["key"], r["open"], r["breached"]) for r in s["live"]["by_unit"]] == [("YN-DL", 1, 1)]
    assert s["received"]["total"] == 2
    assert [(r["key"], r["count"]) for r in s["received"]["by_unit"]] == [
        ("YN-KM-01", 1),
        ("YN-DL", 1),
    ]
    assert s["received"]["series"][0]["counts"][-1] == 1  # the 23rd, last day of the period
    on_time = {r["key"]: r["clocks"] for r in s["on_time"]["rows"]}
    assert on_time["YN-KM"]["start"] == {"on_time": 1, "late": 0, "rate": 1.0}
    assert on_time["YN-DL"]["start"] == {"on_time": 0, "late": 1, "rate": 0.0}
    assert s["durations"]["start"]["total"] == {
        "count": 1,
        "median_seconds": 1200,
        "p90_seconds": 1200,
    }
    counts = {k: v for k, v in s["classification"].items() if k != "by_category"}
    assert counts == {"valid": 1, "special": 0, "unclassified": 1}
    assert s["satisfaction"]["count"] == 1 and s["satisfaction"]["average"] == 5
    assert [r["complaint_id"] for r in s["at_risk"]] == ["B", "B"]

    rows = summary_rows(s)  # the same figures as CSV, in long form
    assert {
        "section": "live",
        "dimension": "total",
        "key": "",
        "label": "",
        "metric": "open",
        "value": 1,
    } in rows
    assert {r["section"] for r in rows} >= {
        "live",
        "at_risk",
        "received",
        "received_per_day",
        "on_time",
        "time_to_start",
        "time_to_resolve",
        "classification",
        "satisfaction",
    }
