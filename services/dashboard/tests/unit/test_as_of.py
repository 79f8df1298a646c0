"""`?as_of=`: the figures, lists and timelines as the dashboard knew them at a past moment equal
those computed from only the events it had recorded by then (record time, not event time)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.runtime import create_service_app
from dashboard.domain.scope import resolve_scope
from dashboard.domain.summary import FigureQuery
from dashboard.entrypoints import api
from dashboard.service_layer.projection import DashboardProjection
from dashboard.service_layer.queries import DashboardQueries
from dashboard.testing.fakes import FakeProjection

from .events import T0, action, assigned, at, breached, received, started, stopped
from .org import ORG

NO_SESSION = cast(AsyncSession, None)
SECRET = "a-test-secret-of-at-least-32-bytes"
RECORDED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # processing time of the first event

# (complaint, event, event time): recorded one minute apart, in this order.
LOG: list[tuple[str, Event, datetime]] = [
    ("A", received("YN-KM-01"), T0),
    ("A", assigned("YN-KM-01"), at(1)),
    ("A", started("start", "YN-KM-01", at(1), at(30)), at(1)),
    ("B", received("YN-KM-02", flags=["major_liability"]), at(2)),
    ("B", assigned("YN-KM-02", restricted=True), at(2)),
    ("A", action(c.ComplaintAccepted, "YN-KM-01", at(10)), at(10)),
    ("A", stopped("start", "YN-KM-01", at(10)), at(10)),
    ("B", started("start", "YN-KM-02", at(2), at(20)), at(2)),
    # a back-dated reply, recorded late: as_of goes by when it was recorded
    ("A", action(c.Resolved, "YN-KM-01", at(12), reply="done"), at(12)),
    ("B", breached("start", "YN-KM-02", at(20)), at(20)),
    ("C", received("XJ-KM-01"), at(21)),
    ("A", action(c.Classified, "YN-KM-01", at(40), classification="valid"), at(40)),
]


def recorded(n: int) -> datetime:
    return RECORDED + timedelta(minutes=n)


class _Clock:
    def __init__(self) -> None:
        self.now = RECORDED

    def __call__(self) -> datetime:
        return self.now


async def _projected(count: int | None = None) -> FakeProjection:
    """The first `count` events of the log (all by default), the nth recorded at `recorded(n)`."""
    clock = _Clock()
    store = FakeProjection(clock)
    handler = DashboardProjection(store.stores)
    for n, (cid, event, when) in enumerate(LOG[:count]):
        clock.now = recorded(n)
        envelope = Envelope(
            id=f"e{n}",
            source="/dashboard-tests",
            type=event.type_name(),
            subject=cid,
            time=when,
            data=event.model_dump(mode="json"),
        )
        await handler.project(NO_SESSION, envelope, event)
    return store


def _query(moment: datetime, unit: str, as_of: bool) -> FigureQuery:
    return FigureQuery(
        scope=resolve_scope(ORG, unit, None),
        first=date(2026, 11, 23),
        last=date(2026, 11, 23),
        now=moment,
        as_of=moment if as_of else None,
    )


def _without_as_of(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figures.items() if k != "as_of"}


@pytest.mark.parametrize("unit", ["HQ", "YN", "YN-SUP", "YN-KM"])
@pytest.mark.parametrize("seen", [0, 1, 3, 5, 8, 9, 11, len(LOG)])
async def test_figures_at_a_past_moment_are_those_of_the_events_recorded_by_then(unit, seen):
    everything = DashboardQueries(ORG, (await _projected()).reading)
    only_then = DashboardQueries(ORG, (await _projected(seen)).reading)
    for moment in (recorded(seen - 1) if seen else recorded(-1), recorded(seen) - timedelta(0, 1)):
        past = await everything.summary(_query(moment, unit, as_of=True))
        then = await only_then.summary(_query(moment, unit, as_of=False))
        assert _without_as_of(past) == _without_as_of(then)
        assert past["as_of"] == past["generated_at"]
        for state in ("open", "breached", "due_soon"):
            listed = await everything.complaint_list(_query(moment, unit, True), state, None, None)
            assert listed == await only_then.complaint_list(
                _query(moment, unit, False), state, None, None
            )


async def test_the_present_is_the_latest_snapshot_of_each():
    store = await _projected()
    everything = DashboardQueries(ORG, store.reading)
    moment = recorded(len(LOG))
    now = await everything.summary(_query(moment, "HQ", as_of=False))
    past = await everything.summary(_query(moment, "HQ", as_of=True))
    assert _without_as_of(now) == _without_as_of(past)


async def test_a_timeline_as_of_lists_the_entries_recorded_by_then():
    queries = DashboardQueries(ORG, (await _projected()).reading)
    moment = recorded(7)  # A's sign-for and its start clock's stop recorded; not the reply
    found = await queries.timeline("YN-KM-01", "A", moment, as_of=moment)
    assert found is not None
    assert [e["type"] for e in found["events"]] == [
        "complaint.received",
        "complaint.assigned",
        "sla.clock_started",
        "complaint.accepted",
        "sla.clock_stopped",
    ]
    assert found["complaint"]["status"] == "in_progress"
    assert found["as_of"].isoformat() == "2026-11-23T11:07:00+08:00"
    assert found["stays"][0]["until"] is None  # still with its owner then
    now = await queries.timeline("YN-KM-01", "A", recorded(99))
    assert now is not None and now["complaint"]["status"] == "resolved"
    # before the complaint was recorded, unknown; a caller who may not see it never sees it
    assert await queries.timeline("XJ", "C", recorded(5), as_of=recorded(5)) is None
    assert await queries.timeline("XJ", "C", recorded(10), as_of=recorded(10)) is not None
    assert await queries.timeline("YN-SUP", "B", recorded(3), as_of=recorded(3)) is None


# -- over HTTP ------------------------------------------------------------------------------


def _as(unit: str) -> dict[str, str]:
    token = jwt.encode({"unit": unit, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


async def _nothing(app) -> None:
    return None


@pytest.fixture
async def client() -> TestClient:
    app = create_service_app(title="t", description="t", startup=_nothing, shutdown=_nothing)
    app.state.org = ORG
    app.state.jwt_secret = SECRET
    app.state.queries = DashboardQueries(ORG, (await _projected()).reading)
    app.include_router(api.router)
    return TestClient(app)


PATHS = ("/summary", "/complaints", "/complaints/A/timeline")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "as_of",
    ["2026-11-23T11:00:00", "2999-01-01T00:00:00+08:00", "yesterday", "2026-13-01T00:00:00Z"],
)
def test_a_naive_future_or_unreadable_as_of_is_a_422_naming_it(client, path, as_of):
    response = client.get(f"/v1/dashboard{path}", params={"as_of": as_of}, headers=_as("YN"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["as_of"]


def test_as_of_over_http(client):
    moment = "2026-11-23T11:07:30+08:00"  # between the 8th and 9th events recorded
    summary = client.get("/v1/dashboard/summary", params={"as_of": moment}, headers=_as("YN"))
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["as_of"] == body["generated_at"] == moment
    assert body["period"]["to"] == "2026-11-23"  # the default period ends on as_of's day
    assert body["live"]["totals"]["open"] == 2  # A not resolved yet, B open
    # an unencoded `+` reads as a space: taken as the `+`
    raw = client.get("/v1/dashboard/summary?as_of=2026-11-23T11:07:30+08:00", headers=_as("YN"))
    assert raw.json()["as_of"] == moment
    listed = client.get("/v1/dashboard/complaints", params={"as_of": moment}, headers=_as("YN"))
    assert listed.json()["as_of"] == moment and listed.json()["count"] == 2
    csv = client.get(
        "/v1/dashboard/summary", params={"as_of": moment, "format": "csv"}, headers=_as("YN")
    )
    assert csv.status_code == 200 and "extensions" in csv.text
    path = "/v1/dashboard/complaints/A/timeline"
    early = client.get(path, params={"as_of": "2026-11-23T10:59:00+08:00"}, headers=_as("YN"))
    assert early.status_code == 404
    assert early.headers["content-type"].startswith("application/problem+json")
    later = client.get(path, params={"as_of": moment}, headers=_as("YN"))
    assert later.status_code == 200
    assert len(later.json()["events"]) == 5
    assert later.json()["events"][0]["recorded_at"] == "2026-11-23T11:00:00+08:00"
