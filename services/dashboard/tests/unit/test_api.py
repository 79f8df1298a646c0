"""Over HTTP: bad query values are 4xx problem+json, an invisible complaint is 404, times local."""

from __future__ import annotations

import csv
import io
import time

import jwt
import pytest
from fastapi.testclient import TestClient

from complaints_shared.runtime import create_service_app
from dashboard.entrypoints import api, stream
from dashboard.service_layer.queries import DashboardQueries
from dashboard.testing.fakes import FakeProjection

from .events import T0, assigned, at, received, started
from .org import ORG

SECRET = "a-test-secret-of-at-least-32-bytes"
PERIOD = {"from": "2026-11-23", "to": "2026-11-23"}


async def _nothing(app) -> None:
    return None


@pytest.fixture
def client() -> TestClient:
    store = FakeProjection()
    store.record(
        "RESTRICTED",
        (received("YN-KM-01", flags=["major_liability"]), T0),
        (assigned("YN-KM-01"), T0),
        (started("start", "YN-KM-01", T0, at(120)), T0),
        updated=at(1),
    )
    app = create_service_app(title="t", description="t", startup=_nothing, shutdown=_nothing)
    app.state.org = ORG
    app.state.jwt_secret = SECRET
    app.state.queries = DashboardQueries(ORG, store.reading)
    app.include_router(api.router)
    app.include_router(stream.router)
    return TestClient(app)


def _as(unit: str) -> dict[str, str]:
    token = jwt.encode({"unit": unit, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


@pytest.mark.parametrize(
    "params",
    [
        {"to": "0001-01-01"},
        {"from": "0001-01-01"},
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"to": "1969-12-31"},
        {"to": "not-a-day"},
        {"from": "2026-02-30"},
        {"from": "2026-11-23", "to": "2026-11-01"},
        {"from": "2024-01-01", "to": "2026-01-01"},
        {"unit": "NOWHERE"},
    ],
)
@pytest.mark.parametrize("path", ["/summary", "/complaints", "/export.csv"])
def test_bad_query_values_are_422_problems_never_500(client, path, params):
    response = client.get(f"/v1/dashboard{path}", params=params, headers=_as("YN"))
    assert _problem(response, 422)["errors"]


@pytest.mark.parametrize("params", [{"state": "late"}, {"dimension": "colour"}, {"format": "xml"}])
def test_bad_choices_are_422_problems(client, params):
    _problem(client.get("/v1/dashboard/complaints", params=params, headers=_as("YN")), 422)


def test_a_complaint_the_caller_may_not_see_is_a_404_problem(client):
    path = "/v1/dashboard/complaints/RESTRICTED/timeline"
    for unit in ("YN-DL", "YN-SUP", "YN-KM-02", "XJ"):
        _problem(client.get(path, headers=_as(unit)), 404)
    _problem(client.get("/v1/dashboard/complaints/%00/timeline", headers=_as("HQ")), 404)
    for unit in ("YN-KM-01", "YN-KM", "YN", "HQ"):
        found = client.get(path, headers=_as(unit))
        assert found.status_code == 200, unit
        assert found.json()["complaint"]["received_at"] == "2026-11-23T10:00:00+08:00"


def test_what_a_caller_may_not_see_is_in_no_list_count_or_export(client):
    for unit, seen in (("YN-KM", True), ("YN-DL", False), ("YN-SUP", False)):
        headers = _as(unit)
        summary = client.get("/v1/dashboard/summary", params=PERIOD, headers=headers).json()
        assert summary["received"]["total"] == int(seen)
        listed = client.get("/v1/dashboard/complaints", params=PERIOD, headers=headers).json()
        assert listed["count"] == int(seen)
        export = client.get("/v1/dashboard/export.csv", params=PERIOD, headers=headers)
        assert ("RESTRICTED" in export.text) is seen
        rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
        for row in rows:
            assert row["received_at"].endswith("+08:00") and row["next_due_at"].endswith("+08:00")
