"""Figures by category: the fold keeps the category, and every live count and period figure
has a `by_category` breakdown shaped as `by_line` (one row per key, the contract's order)."""

from __future__ import annotations

from datetime import date

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import sla_events as s
from complaints_shared.labels import CATEGORIES, CATEGORY_LABELS
from dashboard.adapters.snapshots import from_json, to_json
from dashboard.domain.model import Complaint
from dashboard.domain.scope import resolve_scope
from dashboard.domain.summary import FigureQuery, summarise
from dashboard.domain.timeline import public_data
from dashboard.entrypoints.csv_format import summary_rows
from dashboard.entrypoints.labels import words
from dashboard.service_layer.queries import DashboardQueries
from dashboard.testing.fakes import FakeProjection

from .events import T0, action, assigned, at, breached, fold, received, started, stopped
from .org import ORG

NOW = at(100)
DAY = date(2026, 11, 23)


def _late(cid: str, unit: str = "YN-KM-01") -> Complaint:
    """A late delivery, open, its start clock breached."""
    return fold(
        received(unit, category="late_delivery", business_line="logistics"),
        (assigned(unit), T0),
        started("start", unit, T0, at(60)),
        (breached("start", unit, at(60)), at(60)),
        complaint_id=cid,
    )


def _attitude(cid: str) -> Complaint:
    """Staff attitude: signed for in 20 minutes, resolved, valid, visited with a 4."""
    return fold(
        received("YN-DL", category="attitude"),
        (assigned("YN-DL"), T0),
        started("start", "YN-DL", T0, at(120)),
        action(c.ComplaintAccepted, "YN-DL", at(20)),
        stopped("start", "YN-DL", at(20)),
        action(c.Resolved, "YN-DL", at(60), reply="sorry"),
        action(c.Classified, "YN-DL", at(61), classification="valid"),
        action(c.ReturnVisitRecorded, "YN-SUP", at(62), satisfaction=4),
        complaint_id=cid,
    )


def _summary(complaints: list[Complaint]) -> dict:
    q = FigureQuery(scope=resolve_scope(ORG, "YN", None), first=DAY, last=DAY, now=NOW)
    return summarise(ORG, complaints, q)


def _keyed(rows: list[dict]) -> dict[str, dict]:
    return {r["key"]: r for r in rows}


def test_the_fold_keeps_the_category_and_a_snapshot_carries_it():
    complaint = _late("A")
    assert complaint.category == "late_delivery"
    assert from_json(to_json(complaint)).category == "late_delivery"
    # a snapshot taken before the category was kept reads as None
    old = to_json(complaint)
    del old["category"]
    assert from_json(old).category is None
    # the default of a registration that names none
    assert fold(received()).category == "other"


def test_live_counts_break_down_by_category_like_by_line():
    s_ = _summary([_late("A"), _late("B", "YN-KM-02"), _attitude("C")])
    live = s_["live"]
    assert live["by_category"] == [
        {"key": "late_delivery", "open": 2, "due_soon": 0, "breached": 2}
    ]
    assert set(live["by_category"][0]) == set(live["by_line"][0])  # the same shape
    assert live["by_line"] == [{"key": "logistics", "open": 2, "due_soon": 0, "breached": 2}]


def test_every_period_figure_breaks_down_by_category():
    s_ = _summary([_late("A"), _attitude("C"), _late("B", "YN-KM-02")])
    # rows in the contract's order of categories, whatever the order of the complaints
    assert [r["key"] for r in s_["received"]["by_category"]] == ["attitude", "late_delivery"]
    assert CATEGORIES.index("attitude") < CATEGORIES.index("late_delivery")
    assert _keyed(s_["received"]["by_category"])["late_delivery"]["count"] == 2
    on_time = _keyed(s_["on_time"]["by_category"])
    assert on_time["attitude"]["clocks"]["start"] == {"on_time": 1, "late": 0, "rate": 1.0}
    assert on_time["late_delivery"]["clocks"]["start"] == {"on_time": 0, "late": 2, "rate": 0.0}
    start = _keyed(s_["durations"]["start"]["by_category"])
    assert start["attitude"] == {
        "key": "attitude",
        "count": 1,
        "median_seconds": 1200,
        "p90_seconds": 1200,
    }
    assert start["late_delivery"]["count"] == 0
    classification = _keyed(s_["classification"]["by_category"])
    assert classification["attitude"] == {
        "key": "attitude",
        "valid": 1,
        "special": 0,
        "unclassified": 0,
    }
    assert classification["late_delivery"]["unclassified"] == 2
    satisfaction = _keyed(s_["satisfaction"]["by_category"])
    assert satisfaction["attitude"]["average"] == 4 and satisfaction["attitude"]["count"] == 1
    assert satisfaction["late_delivery"]["count"] == 0
    repeats = _keyed(s_["repeat_complainants"]["by_category"])
    assert repeats["late_delivery"]["received"] == 2
    assert {r["key"] for r in s_["return_visits"]["by_category"]} == {"attitude", "late_delivery"}
    assert _keyed(s_["extensions"]["by_category"])["attitude"]["requested"] == 0


def test_the_breakdown_adds_up_to_the_totals():
    s_ = _summary([_late("A"), _attitude("C"), _late("B", "YN-KM-02")])
    assert sum(r["count"] for r in s_["received"]["by_category"]) == s_["received"]["total"]
    assert sum(r["valid"] for r in s_["classification"]["by_category"]) == 1
    assert sum(r["open"] for r in s_["live"]["by_category"]) == s_["live"]["totals"]["open"]


def test_a_complaint_projected_before_categories_were_kept_counts_under_the_empty_key():
    old = _late("A")
    old.category = None
    s_ = _summary([old])
    assert [r["key"] for r in s_["live"]["by_category"]] == [""]
    assert [r["key"] for r in s_["received"]["by_category"]] == [""]


def test_the_csv_has_the_category_rows():
    rows = summary_rows(_summary([_late("A"), _attitude("C")]))
    wanted = {
        "section": "live",
        "dimension": "category",
        "key": "late_delivery",
        "label": "late_delivery",
        "metric": "breached",
        "value": 1,
    }
    assert wanted in rows
    assert {
        "section": "classification",
        "dimension": "category",
        "key": "attitude",
        "label": "attitude",
        "metric": "valid",
        "value": 1,
    } in rows
    sections = {r["section"] for r in rows if r["dimension"] == "category"}
    assert sections >= {
        "live",
        "received",
        "classification",
        "satisfaction",
        "return_visits",
        "repeat_complainants",
        "extensions",
        "time_to_start",
    }
    assert any(r["section"] == "on_time_by_category" for r in rows)
    # the classification totals are still the three counts, the breakdown apart
    totals = [r["metric"] for r in rows if r["section"] == "classification" and not r["key"]]
    assert totals == ["valid", "special", "unclassified"]


def test_the_page_has_a_chinese_label_for_every_category():
    zh, en = words("zh"), words("en")
    assert zh["by_category"] == "按投诉类别"
    for category in CATEGORIES:
        assert zh[f"category.{category}"] == CATEGORY_LABELS[category][0]
        assert en[f"category.{category}"] == CATEGORY_LABELS[category][1]
    assert zh["category.late_delivery"] == "延误"


def test_the_timeline_shows_the_category_and_no_handler():
    data = public_data(received(category="lost_goods").model_dump(mode="json"))
    assert data["category"] == "lost_goods"
    accepted = action(c.ComplaintAccepted, "YN-KM-01", at(5))
    accepted = accepted.model_copy(update={"handler": c.HandlerRef(id="e1", name="张三")})
    assert "handler" not in public_data(accepted.model_dump(mode="json"))
    warned = s.SlaBreached(
        clock="start",
        owner_unit="YN-KM-01",
        due_at=at(60),
        handler=c.HandlerRef(id="e1", name="张三"),
    )
    assert "handler" not in public_data(warned.model_dump(mode="json"))


async def test_the_list_behind_a_count_takes_the_category_dimension():
    store = FakeProjection()
    for cid, category in (("A", "late_delivery"), ("B", "attitude")):
        store.record(
            cid,
            (received("YN-KM-01", category=category), T0),
            (assigned("YN-KM-01"), T0),
            (started("start", "YN-KM-01", T0, at(120)), T0),
            updated=at(1),
        )
    queries = DashboardQueries(ORG, store.reading)
    q = FigureQuery(scope=resolve_scope(ORG, "YN", None), first=DAY, last=DAY, now=NOW)
    found = await queries.complaint_list(q, "open", "category", "late_delivery")
    assert [(r["complaint_id"], r["category"]) for r in found] == [("A", "late_delivery")]
    exported = await queries.export(q)
    assert {r["complaint_id"]: r["category"] for r in exported} == {
        "A": "late_delivery",
        "B": "attitude",
    }
