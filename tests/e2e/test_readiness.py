"""Every running service answers `/readyz`: ready with its database and the broker, the
calendar coverage where deadlines depend on calendars, 503 naming the broker while it is
unreachable, ready again after; its Swagger UI loads nothing from elsewhere."""

from __future__ import annotations

import re

import httpx
import pytest

from complaints_shared.testing import wait_for
from devstack.stack import SERVICES

pytestmark = pytest.mark.e2e

WITH_CALENDARS = {"intake", "sla-monitor", "dashboard"}


def _readiness(system, service: str) -> httpx.Response:
    return httpx.get(system.url(service, "/readyz"), timeout=10)


def test_every_service_is_ready_and_reports_its_calendars(system):
    for spec in SERVICES:
        answer = wait_for(
            lambda spec=spec: (r := _readiness(system, spec.name)).status_code == 200 and r,
            timeout=60,
            what=f"{spec.name} ready",
        )
        body = answer.json()
        assert body["status"] == "ready"
        assert body["checks"] == {"database": "ok", "broker": "ok"}
        names = {entry["calendar"] for entry in body["calendars"]}
        if spec.name in WITH_CALENDARS:
            assert "cn" in names, spec.name  # the demo organisation's calendar
        else:
            assert names == set(), spec.name
        assert httpx.get(system.url(spec.name, "/healthz"), timeout=10).status_code == 200


def test_the_horizon_the_dashboard_serves_is_the_one_readyz_reports(system):
    with system.client("HQ") as client:
        horizon = client.get(system.url("dashboard", "/v1/calendar-horizon"))
    assert horizon.status_code == 200, horizon.text
    body = horizon.json()
    assert body["horizon_days"] == 90
    assert body["calendars"] == _readiness(system, "dashboard").json()["calendars"]
    assert body["warning"] is any(entry["warning"] for entry in body["calendars"])


def test_a_broker_outage_is_named_and_passes(system):
    system.proxy.cut()
    try:
        for spec in SERVICES:
            answer = wait_for(
                lambda spec=spec: (r := _readiness(system, spec.name)).status_code == 503 and r,
                timeout=30,
                what=f"{spec.name} unready without the broker",
            )
            checks = answer.json()["checks"]
            assert checks["broker"].startswith("failed"), spec.name
            assert checks["database"] == "ok", spec.name
            assert httpx.get(system.url(spec.name, "/healthz"), timeout=10).status_code == 200
    finally:
        system.proxy.restore()
    for spec in SERVICES:
        wait_for(
            lambda spec=spec: _readiness(system, spec.name).status_code == 200,
            timeout=60,
            what=f"{spec.name} ready again",
        )


def test_swagger_ui_is_served_by_each_service(system):
    for spec in SERVICES:
        page = httpx.get(system.url(spec.name, "/docs"), timeout=10)
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert assets and all(url.startswith("/docs/assets/") for url in assets), assets
        for url in assets:
            assert httpx.get(system.url(spec.name, url), timeout=10).status_code == 200, url
