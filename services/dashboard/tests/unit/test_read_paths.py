"""Every read path gives the same answer, in local time: figures, lists, export, timeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from complaints_shared.contracts import complaint_events as c
from dashboard.domain.scope import resolve_scope
from dashboard.domain.summary import FigureQuery
from dashboard.service_layer.queries import DashboardQueries
from dashboard.testing.fakes import FakeProjection

from .events import T0, action, assigned, at, received, started
from .org import ORG

NOW = at(100)
DAY = date(2026, 11, 23)  # T0's local day in Shanghai and in Urumqi


@pytest.fixture
def projection() -> FakeProjection:
    store = FakeProjection()
    store.record(
        "ORDINARY",
        (received("YN-KM-01"), T0),
        (assigned("YN-KM-01"), T0),
        (started("start", "YN-KM-01", T0, at(120)), T0),
        updated=at(1),
    )
    store.record(
        "RESTRICTED",
        (received("YN-KM-01", flags=["major_liability"]), T0),
        (assigned("YN-KM-01", restricted=True), T0),
        (started("start", "YN-KM-01", T0, at(110)), T0),
        updated=at(2),
    )
    store.record(
        "XJ",
        (received("XJ-KM-01"), T0),
        (assigned("XJ-KM-01"), T0),
        (action(c.ComplaintAccepted, "XJ-KM-01", at(5)), at(5)),
        (action(c.Resolved, "XJ-KM-01", at(50), reply="done"), at(50)),
        (action(c.Reopened, "XJ-KM-01", at(60)), at(60)),
        (started("resolve", "XJ-KM-01", at(60), at(600)), at(60)),
        updated=at(3),
    )
    return store


def _queries(projection: FakeProjection) -> DashboardQueries:
    return DashboardQueries(ORG, projection.reading)


def _query(caller: str, unit: str | None = None) -> FigureQuery:
    return FigureQuery(scope=resolve_scope(ORG, caller, unit), first=DAY, last=DAY, now=NOW)


SEEN = {
    "HQ": {"ORDINARY", "RESTRICTED", "XJ"},
    "YN": {"ORDINARY", "RESTRICTED"},
    "YN-KM": {"ORDINARY", "RESTRICTED"},
    "YN-KM-01": {"ORDINARY", "RESTRICTED"},
    "YN-SUP": {"ORDINARY"},
    "YN-CS": {"ORDINARY"},
    "YN-DL": set(),
    "YN-KM-02": set(),
    "XJ": {"XJ"},
    "XJ-SUP": {"XJ"},
}


@pytest.mark.parametrize(("caller", "seen"), SEEN.items())
async def test_every_read_path_gives_the_same_answer(projection, caller, seen):
    queries = _queries(projection)
    q = _query(caller)
    summary = await queries.summary(q)
    assert summary["received"]["total"] == len(seen)
    assert summary["live"]["totals"]["open"] == len(seen)
    assert {r["complaint_id"] for r in summary["at_risk"]} == seen
    assert {r["complaint_id"] for r in await queries.export(q)} == seen
    listed = await queries.complaint_list(q, "open", None, None)
    assert {r["complaint_id"] for r in listed} == seen
    for cid in projection.complaints:
        found = await queries.timeline(caller, cid, NOW)
        assert (found is not None) == (cid in seen), cid
    assert await queries.timeline(caller, "UNKNOWN", NOW) is None


async def test_a_scope_narrowed_by_hq_shows_what_that_unit_sees(projection):
    queries = _queries(projection)
    export = await queries.export(_query("HQ", "YN-KM"))
    assert {r["complaint_id"] for r in export} == {"ORDINARY", "RESTRICTED"}
    export = await queries.export(_query("HQ", "YN-SUP"))
    assert {r["complaint_id"] for r in export} == {"ORDINARY"}


async def test_the_version_moves_only_with_what_the_scope_shows(projection):
    queries = _queries(projection)
    assert await queries.version(resolve_scope(ORG, "HQ", None)) == "2026-11-23T10:03:00+08:00"
    assert await queries.version(resolve_scope(ORG, "YN", None)) == "2026-11-23T10:02:00+08:00"
    assert await queries.version(resolve_scope(ORG, "YN-SUP", None)) == "2026-11-23T10:01:00+08:00"
    assert await queries.version(resolve_scope(ORG, "XJ", None)) == "2026-11-23T08:03:00+06:00"
    assert await queries.version(resolve_scope(ORG, "YN-DL", None)) == ""
    projection.updated["RESTRICTED"] = at(9)  # YN-SUP may not see it: its version stays
    assert await queries.version(resolve_scope(ORG, "YN-SUP", None)) == "2026-11-23T10:01:00+08:00"


async def test_times_are_in_the_local_offset_of_the_unit_they_concern(projection):
    queries = _queries(projection)
    summary = await queries.summary(_query("HQ"))
    assert summary["generated_at"] == "2026-11-23T11:40:00+08:00"
    assert {r["complaint_id"]: r["due_at"] for r in summary["at_risk"]} == {
        "RESTRICTED": "2026-11-23T11:50:00+08:00",
        "ORDINARY": "2026-11-23T12:00:00+08:00",
        "XJ": "2026-11-23T18:00:00+06:00",  # Urumqi
    }
    rows = {r["complaint_id"]: r for r in await queries.export(_query("HQ"))}
    assert rows["ORDINARY"]["received_at"] == "2026-11-23T10:00:00+08:00"
    assert rows["ORDINARY"]["next_due_at"] == "2026-11-23T12:00:00+08:00"
    assert rows["XJ"]["received_at"] == "2026-11-23T08:00:00+06:00"  # Urumqi
    timeline = await queries.timeline("YN-KM-01", "ORDINARY", NOW)
    assert timeline["complaint"]["received_at"].isoformat() == "2026-11-23T10:00:00+08:00"
    assert {e["time"].utcoffset() for e in timeline["events"]} == {timedelta(hours=8)}
    received_data = timeline["events"][0]["data"]
    assert received_data["received_at"] == "2026-11-23T10:00:00+08:00"  # never `Z`
    started_data = timeline["events"][-1]["data"]
    assert started_data["due_at"] == "2026-11-23T12:00:00+08:00"
    assert timeline["stays"][0]["since"].isoformat() == "2026-11-23T10:00:00+08:00"


async def test_a_reopened_complaint_is_in_progress_with_one_stay(projection):
    timeline = await _queries(projection).timeline("XJ", "XJ", NOW)
    assert timeline["complaint"]["status"] == "in_progress"
    assert [(s["unit"], s["until"]) for s in timeline["stays"]] == [("XJ-KM-01", None)]
