"""Return visits, satisfaction and repeat complainants: each figure against an oracle computed
here from the seeds themselves, the CSV forms of them, and the page's words."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from datetime import date
from statistics import mean

import jwt
import pytest
from fastapi.testclient import TestClient

from complaints_shared.contracts import complaint_events as c
from complaints_shared.runtime import create_service_app
from dashboard.adapters.sessions import SessionStore
from dashboard.domain.scope import resolve_scope, shows
from dashboard.domain.summary import FigureQuery, summarise
from dashboard.entrypoints import api, page
from dashboard.entrypoints.csv_format import summary_rows
from dashboard.entrypoints.labels import words
from dashboard.entrypoints.web_session import SESSION_COOKIE
from dashboard.service_layer.queries import DashboardQueries
from dashboard.testing.fakes import FakeProjection

from .events import action, assigned, at, breached, fold, received, started, stopped
from .org import ORG

NOW = at(600)  # 20:00 in Shanghai, the day every seed was received
DAY = date(2026, 11, 23)
PHONE = "13800138000"
SECRET = "a-test-secret-of-at-least-32-bytes"


@dataclass(frozen=True)
class Seed:
    cid: str
    unit: str
    branch: str  # the unit's group in a province's scope (the oracle does not compute it)
    minute: int  # received at(minute)
    prior: int = 0
    key: bool = False
    visits: tuple[tuple[int, bool], ...] = ()  # (satisfaction, reached) in the order made
    clock: str | None = None  # what became of its return-visit clock (see `_clock_events`)


SEEDS = (
    Seed("A", "YN-KM-01", "YN-KM", 0, prior=2, key=True, visits=((5, True),), clock="on_time"),
    Seed("B", "YN-KM-02", "YN-KM", 5, visits=((2, True), (4, False)), clock="late"),
    Seed("C", "YN-KM-01", "YN-KM", 10, prior=1, clock="overdue"),
    Seed("D", "YN-KM", "YN-KM", 15, prior=2, clock="past_due"),
    Seed("E", "YN-DL-01", "YN-DL", 20, visits=((3, True), (1, True)), clock="on_time"),
    Seed("F", "YN-DL", "YN-DL", 25, prior=5, clock="pending"),
    Seed("G", "YN-DL-01", "YN-DL", 30, key=True, visits=((4, False),), clock="cancelled"),
    Seed("H", "YN-DL-01", "YN-DL", 35, visits=((5, True),)),  # visited without a clock
    Seed("I", "YN-KM-01", "YN-KM", 40),
    Seed("X", "XJ-KM-01", "XJ-KM", 45, prior=3, visits=((1, True),), clock="on_time"),
)
VERDICT = {  # what the oracle expects of each clock outcome
    "on_time": "on_time",
    "late": "late",
    "overdue": "overdue",
    "past_due": "overdue",
    "pending": "pending",
    "cancelled": None,
}


def _clock_events(kind: str, sup: str) -> list:
    """The return-visit clock of the supervision line `sup`, started on the reply (minute 100),
    to the outcome `kind`."""
    events: list = []
    if kind == "on_time":
        events = [
            started("return_visit", sup, at(100), at(400)),
            stopped("return_visit", sup, at(200)),
        ]
    elif kind == "late":
        events = [
            started("return_visit", sup, at(100), at(300)),
            (breached("return_visit", sup, at(300)), at(300)),
            stopped("return_visit", sup, at(350), late=True),
        ]
    elif kind == "overdue":  # breached, not made yet
        events = [
            started("return_visit", sup, at(100), at(500)),
            (breached("return_visit", sup, at(500)), at(500)),
        ]
    elif kind == "past_due":  # past due, its breach not in yet
        events = [started("return_visit", sup, at(100), at(550))]
    elif kind == "pending":
        events = [started("return_visit", sup, at(100), at(900))]
    elif kind == "cancelled":
        events = [
            started("return_visit", sup, at(100), at(400)),
            stopped("return_visit", sup, at(150), outcome="cancelled"),
        ]
    return events


def _complaint(seed: Seed):
    customer = c.Customer(name="张**", phone="*******8000", key_customer=seed.key)
    steps: list = [
        received(seed.unit, when=at(seed.minute), prior_complaints=seed.prior, customer=customer),
        (assigned(seed.unit), at(seed.minute)),
        action(c.Resolved, seed.unit, at(90), reply="done"),
    ]
    if seed.clock:
        steps += _clock_events(seed.clock, f"{seed.unit[:2]}-SUP")
    for n, (score, reached) in enumerate(seed.visits):
        steps.append(
            action(
                c.ReturnVisitRecorded, seed.unit, at(150 + n), satisfaction=score, reached=reached
            )
        )
    return fold(*steps, complaint_id=seed.cid)


def _summary(unit: str, caller: str | None = None) -> dict:
    scope = resolve_scope(ORG, caller or unit, unit)
    q = FigureQuery(scope=scope, first=DAY, last=DAY, now=NOW)
    complaints = [_complaint(seed) for seed in SEEDS]
    return summarise(ORG, [x for x in complaints if shows(ORG, scope.sight, x.involvement)], q)


def _in(seeds, root: str) -> list[Seed]:
    return [s for s in seeds if s.unit.startswith(root)]


# -- the oracle -------------------------------------------------------------------------------
def _score(seed: Seed) -> int | None:
    reached = [score for score, ok in seed.visits if ok]
    return reached[-1] if reached else None


def _satisfaction(seeds: list[Seed]) -> dict:
    scores = [_score(s) for s in seeds if _score(s) is not None]
    return {
        "count": len(scores),
        "average": mean(scores) if scores else None,
        "distribution": {str(n): scores.count(n) for n in range(1, 6)},
    }


def _visits(seeds: list[Seed]) -> dict:
    verdicts = [VERDICT[s.clock] for s in seeds if s.clock and VERDICT[s.clock]]
    on_time, late, overdue = (verdicts.count(v) for v in ("on_time", "late", "overdue"))
    return {
        "due": len(verdicts),
        "made": on_time + late,
        "on_time": on_time,
        "late": late,
        "overdue": overdue,
        "pending": verdicts.count("pending"),
        "on_time_rate": on_time / (on_time + late + overdue) if on_time + late + overdue else None,
    }


def _repeats(seeds: list[Seed]) -> dict:
    repeat = sum(s.prior >= 1 for s in seeds)
    return {
        "received": len(seeds),
        "repeat": repeat,
        "repeat_share": repeat / len(seeds) if seeds else None,
        "key_customer": sum(s.key for s in seeds),
    }


def _by_branch(seeds: list[Seed], figure, keep=lambda seeds: True) -> dict:
    branches = sorted({s.branch for s in seeds})
    found = {b: [s for s in seeds if s.branch == b] for b in branches}
    return {b: figure(group) for b, group in found.items() if keep(group)}


def _rows(table: list[dict], columns) -> dict:
    return {r["key"]: {k: r[k] for k in columns} for r in table}


# -- the figures ------------------------------------------------------------------------------
def test_satisfaction_per_branch_counts_reached_visits_only():
    s = _summary("YN")
    yn = _in(SEEDS, "YN")
    expected = _satisfaction(yn)
    assert {k: s["satisfaction"][k] for k in expected} == expected
    rows = _rows(s["satisfaction"]["rows"], ("count", "average", "distribution"))
    assert rows == _by_branch(yn, _satisfaction, keep=lambda g: _satisfaction(g)["count"] > 0)
    # G's only visit did not reach the customer; B's latest did not either: its score stays 2
    assert rows["YN-KM"]["distribution"]["2"] == 1 and rows["YN-KM"]["distribution"]["4"] == 0


def test_return_visit_timeliness_per_branch_from_the_clock_runs():
    s = _summary("YN")
    yn = _in(SEEDS, "YN")
    assert s["return_visits"]["total"] == _visits(yn)
    assert _rows(s["return_visits"]["rows"], _visits([])) == _by_branch(
        yn, _visits, keep=lambda g: any(x.clock for x in g)
    )
    assert [r["key"] for r in s["return_visits"]["rows"]] == ["YN-KM", "YN-DL"]  # org order


def test_repeat_complainants_per_branch_and_listed_masked_for_a_province():
    s = _summary("YN")
    yn = _in(SEEDS, "YN")
    repeats = s["repeat_complainants"]
    assert repeats["total"] == _repeats(yn)
    assert _rows(repeats["rows"], _repeats([])) == _by_branch(yn, _repeats)
    listed = sorted((x for x in yn if x.prior), key=lambda x: (-x.prior, x.minute))
    assert repeats["count"] == len(listed)
    assert [
        (r["complaint_id"], r["receiving_unit"], r["prior_complaints"], r["key_customer"])
        for r in repeats["complaints"]
    ] == [(x.cid, x.unit, x.prior, x.key) for x in listed]
    first = repeats["complaints"][0]
    assert first["received_at"] == "2026-11-23T10:25:00+08:00"  # F, local to its unit
    assert (first["customer_name"], first["customer_phone"]) == ("张**", "*******8000")
    assert PHONE not in repr(s)


def test_hq_sees_repeat_complainants_per_province_and_a_branch_no_list():
    hq = _summary("HQ")
    assert _rows(hq["repeat_complainants"]["rows"], ("repeat",)) == {
        "YN": {"repeat": 4},
        "XJ": {"repeat": 1},
    }
    assert {r["complaint_id"] for r in hq["repeat_complainants"]["complaints"]} == {
        "A",
        "C",
        "D",
        "F",
        "X",
    }
    assert hq["satisfaction"]["count"] == _satisfaction(list(SEEDS))["count"]
    # A province's supervision line reads the province's figures, the list with them.
    assert len(_summary("YN-SUP")["repeat_complainants"]["complaints"]) == 4
    branch = _summary("YN-KM")
    assert branch["repeat_complainants"]["complaints"] is None
    assert branch["repeat_complainants"]["count"] == 3
    assert _rows(branch["repeat_complainants"]["rows"], ("received", "repeat")) == {
        "YN-KM": {"received": 1, "repeat": 1},  # D, received by the branch itself
        "YN-KM-01": {"received": 3, "repeat": 2},
        "YN-KM-02": {"received": 1, "repeat": 0},
    }


def test_due_return_visits_of_resolved_complaints_are_at_risk():
    s = _summary("YN")
    visits = {(r["complaint_id"], r["clock"], r["state"]) for r in s["at_risk"]}
    assert visits == {
        ("C", "return_visit", "breached"),
        ("D", "return_visit", "breached"),
        ("F", "return_visit", "running"),
    }
    assert all(r["owner_unit"] == "YN-SUP" for r in s["at_risk"])
    assert s["live"]["totals"]["open"] == 0  # resolved: not open, only its visit is due


def test_the_fold_keeps_the_latest_visit_and_the_latest_score_that_reached_the_customer():
    b = _complaint(SEEDS[1])
    assert (b.return_visits, b.visit_reached, b.visited_at, b.satisfaction) == (
        2,
        False,
        at(151),
        2,
    )
    a = _complaint(SEEDS[0])
    assert (a.prior_complaints, a.repeat_complainant, a.key_customer) == (2, True, True)
    i = _complaint(SEEDS[8])
    assert (i.prior_complaints, i.repeat_complainant, i.key_customer) == (0, False, False)
    assert (i.return_visits, i.visit_reached, i.visited_at, i.satisfaction) == (0, None, None, None)


# -- CSV ----------------------------------------------------------------------------------------
def test_the_summary_csv_has_the_new_figures_in_long_form():
    s = _summary("YN")
    rows = summary_rows(s)

    def value(section: str, dimension: str, key: str, metric: str):
        found = [
            r["value"]
            for r in rows
            if (r["section"], r["dimension"], r["key"], r["metric"])
            == (section, dimension, key, metric)
        ]
        assert len(found) == 1, (section, dimension, key, metric)
        return found[0]

    yn = _in(SEEDS, "YN")
    km = [x for x in yn if x.branch == "YN-KM"]
    assert value("satisfaction", "unit", "YN-KM", "average") == _satisfaction(km)["average"]
    assert value("satisfaction", "unit", "YN-DL", "score_1") == 1
    for metric, expected in _visits(yn).items():
        assert value("return_visits", "total", "", metric) == expected
    assert value("return_visits", "unit", "YN-KM", "overdue") == 2
    assert value("repeat_complainants", "unit", "YN-DL", "repeat") == 1
    assert value("repeat_complaint", "complaint", "F", "prior_complaints") == 5
    assert value("repeat_complaint", "complaint", "F", "customer_phone") == "*******8000"
    assert PHONE not in repr(rows)


def _client() -> TestClient:
    store = FakeProjection()
    for n, seed in enumerate(SEEDS):
        complaint = _complaint(seed)
        store.complaints[seed.cid] = complaint
        store.updated[seed.cid] = at(n)

    async def nothing(app) -> None:
        return None

    app = create_service_app(title="t", description="t", startup=nothing, shutdown=nothing)
    app.state.org = ORG
    app.state.jwt_secret = SECRET
    app.state.queries = DashboardQueries(ORG, store.reading)
    app.include_router(api.router)
    app.include_router(page.router)
    return TestClient(app)


def _as(unit: str) -> dict[str, str]:
    token = jwt.encode({"unit": unit, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def test_the_export_has_a_column_for_each_new_fact_and_never_the_phone():
    client = _client()
    params = {"from": DAY.isoformat(), "to": DAY.isoformat()}
    export = client.get("/v1/dashboard/export.csv", params=params, headers=_as("YN"))
    assert export.status_code == 200
    rows = {r["complaint_id"]: r for r in csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")))}
    assert set(rows) == {x.cid for x in _in(SEEDS, "YN")}
    assert {
        "prior_complaints",
        "repeat_complainant",
        "key_customer",
        "return_visits",
        "visit_reached",
        "visited_at",
        "visit_timeliness",
    } <= set(next(iter(rows.values())))
    a, b = rows["A"], rows["B"]
    assert (a["prior_complaints"], a["repeat_complainant"], a["key_customer"]) == (
        "2",
        "True",
        "True",
    )
    assert (b["return_visits"], b["visit_reached"], b["satisfaction"]) == ("2", "False", "2")
    assert b["visited_at"] == "2026-11-23T12:31:00+08:00"
    assert {r["complaint_id"]: r["visit_timeliness"] for r in rows.values()} == {
        # the API observes at the real time: every visit still due is past its due time by now
        x.cid: {None: "", "pending": "overdue"}.get(VERDICT[x.clock], VERDICT[x.clock])
        if x.clock
        else ""
        for x in _in(SEEDS, "YN")
    }
    summary = client.get(
        "/v1/dashboard/summary", params=params | {"format": "csv"}, headers=_as("YN")
    )
    assert "repeat_complaint" in summary.text and "return_visits" in summary.text
    assert PHONE not in export.text + summary.text
    as_json = client.get("/v1/dashboard/summary", params=params, headers=_as("YN")).json()
    assert PHONE not in repr(as_json)
    assert {"satisfaction", "return_visits", "repeat_complainants"} <= set(as_json)


# -- words --------------------------------------------------------------------------------------
NEW_WORDS = (
    "satisfaction_by_unit",
    "return_visits",
    "visits_due",
    "visits_made",
    "visit.on_time",
    "visit.late",
    "visit.overdue",
    "visit.pending",
    "on_time_rate",
    "repeat_complainants",
    "repeat",
    "repeat_share",
    "key_customer",
    "key_customer_one",
    "repeat_list",
    "received_at",
    "receiving_unit",
    "customer_name",
    "customer_phone",
    "prior_complaints",
)


def test_the_return_visit_clock_and_the_new_figures_have_words_in_both_languages():
    zh, en = words("zh"), words("en")
    assert zh["clock.return_visit"] == "回访时限" and en["clock.return_visit"] == "return visit"
    assert zh["repeat_complainants"] == "重复投诉" and en["repeat_complainants"] == (
        "Repeat complainants"
    )
    for key in NEW_WORDS:
        assert zh[key] and en[key] and zh[key] != en[key] or key == "key_customer_one", key
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh[key]), key


@pytest.mark.parametrize(
    ("lang", "heading"), [("zh", "回访及时情况"), ("en", "Return-visit timeliness")]
)
def test_the_page_has_the_new_tables_in_either_language(lang, heading):
    client = _client()
    sessions = SessionStore(idle_seconds=60)  # the page is for a signed-in browser
    client.app.state.sessions = sessions  # type: ignore[attr-defined]
    client.cookies.set(SESSION_COOKIE, sessions.create("YN", "yn", "password"))
    html = client.get("/dashboard", params={"lang": lang}).text
    assert heading in html
    for element in ("satisfaction-unit", "return-visits", "repeat-unit", "repeat-list"):
        assert f'id="{element}"' in html
    # the ids the browser suite uses are still there
    for element in ("board", "at-risk", "satisfaction", "as-of", "scope", "filters", "panel-close"):
        assert f'id="{element}"' in html
