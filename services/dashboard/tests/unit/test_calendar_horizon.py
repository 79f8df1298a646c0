"""`GET /v1/calendar-horizon` and the dashboard's `/readyz` calendars: the same rule, with the
day injected so that the cases do not move when the installed holiday schedule does."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from complaints_shared.calendar_horizon import calendar_entries
from complaints_shared.testing.openapi import check_protected
from complaints_shared.workflow.official_holidays import covered_years
from dashboard.bootstrap import create_app
from dashboard.config import DashboardSettings

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "dashboard-unit-tests-secret-long-enough-for-hs256"
LAST = covered_years("cn").stop - 1  # the last year the installed schedule covers


async def _ok() -> None:
    return None


@pytest.fixture
def app():
    return create_app(DashboardSettings(org_directory=str(DEMO), jwt_secret=SECRET))


def _as(unit: str) -> dict[str, str]:
    token = jwt.encode({"unit": unit, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def test_the_horizon_warns_when_the_schedule_ends_within_90_days(app) -> None:
    app.state.calendar_today = lambda: date(LAST, 12, 1)
    answer = TestClient(app).get("/v1/calendar-horizon", headers=_as("YN-KM-01"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["horizon_days"] == 90 and body["warning"] is True
    calendars = {entry["calendar"]: entry for entry in body["calendars"]}
    assert set(calendars) == set(app.state.org.spec.calendars)
    cn = calendars["cn"]
    assert set(cn) == {"calendar", "covered_years", "missing_years", "warning"}
    assert cn["missing_years"] == [LAST + 1] and cn["warning"] is True
    assert cn["covered_years"][-1] == LAST and 2004 in cn["covered_years"]


def test_no_warning_while_the_next_90_days_are_covered(app) -> None:
    app.state.calendar_today = lambda: date(LAST, 3, 1)
    body = TestClient(app).get("/v1/calendar-horizon", headers=_as("HQ")).json()
    assert body["warning"] is False
    assert all(entry["missing_years"] == [] for entry in body["calendars"])


def test_the_horizon_needs_a_caller(app) -> None:
    answer = TestClient(app).get("/v1/calendar-horizon")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    check_protected(app.openapi(), "/v1/calendar-horizon")


def test_readyz_reports_the_same_calendars(app) -> None:
    day = lambda: date(LAST, 12, 1)  # noqa: E731
    app.state.calendar_today = day
    readiness = app.state.readiness
    readiness.checks = {"database": _ok, "broker": _ok}
    readiness.calendars = calendar_entries(app.state.org, today=day)
    client = TestClient(app)
    ready = client.get("/readyz")
    assert ready.status_code == 200  # a calendar warning never makes it unready
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
    horizon = client.get("/v1/calendar-horizon", headers=_as("HQ")).json()
    assert ready.json()["calendars"] == horizon["calendars"]
    assert any(entry["warning"] for entry in ready.json()["calendars"])


def test_the_wired_readiness_checks_database_and_broker(app) -> None:
    assert set(app.state.readiness.checks) == {"database", "broker"}
    assert app.state.readiness.calendars is not None
