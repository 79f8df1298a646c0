"""Intake as `bootstrap` wires it (no lifespan: the in-memory stores stand in for the
database): the per-unit rate limit on writes and the worklist, never on a read of a complaint,
and the refusal to start with the development JWT secret outside DEV_MODE."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from complaints_shared.http.auth import issue_token
from complaints_shared.settings import ConfigurationError
from intake.bootstrap import create_app, rate_limited
from intake.config import IntakeSettings
from intake.service_layer.submissions import Submissions
from intake.testing import FakeCommandStore

from .events import MASTER_KEY, MASTER_KEY_B64, ORG
from .test_queries import World

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "intake-unit-tests-secret-long-enough-for-hs256"
LIMIT = 3


def complaint(unit: str) -> dict:
    return {
        "kind": "complaint",
        "channel": "hotline",
        "receiving_unit": unit,
        "business_line": "cards",
        "received_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "customer": {"name": "张三", "phone": "13800000000"},
        "summary": "Card charged twice",
    }


def auth(unit: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(unit, SECRET)}"}


async def client_for(settings: IntakeSettings, world: World) -> httpx.AsyncClient:
    app = create_app(settings)
    app.state.queries = world.queries  # no lifespan runs: no consumer, relay or database
    app.state.submissions = Submissions(
        FakeCommandStore().transaction, ORG, customer_secret=b"customer-key", master_key=MASTER_KEY
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")


@pytest.fixture
async def world() -> World:
    world = World()
    await world.complaint("C1", "YN-KM-01")
    return world


@pytest.fixture
async def intake(world) -> AsyncIterator[httpx.AsyncClient]:
    settings = IntakeSettings(
        org_directory=str(DEMO),
        jwt_secret=SECRET,
        customer_master_key=MASTER_KEY_B64,
        intake_rate_limit=LIMIT,
        intake_rate_window_seconds=60,
    )
    async with await client_for(settings, world) as client:
        yield client


async def test_a_burst_beyond_the_limit_is_429_while_another_unit_goes_on(intake):
    for _ in range(LIMIT):
        accepted = await intake.post(
            "/v1/complaints", json=complaint("YN-KM-01"), headers=auth("YN-KM-01")
        )
        assert accepted.status_code == 202, accepted.text
    refused = await intake.post(
        "/v1/complaints",
        json=complaint("YN-KM-01"),
        headers={**auth("YN-KM-01"), "Accept-Language": "en"},
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["title"] == "Too many requests"
    # the worklist and actions count too
    assert (await intake.get("/v1/complaints", headers=auth("YN-KM-01"))).status_code == 429
    action = {"type": "accepted", "unit": "YN-KM-01", "at": datetime.now(UTC).isoformat()}
    posted = await intake.post("/v1/complaints/C1/events", json=action, headers=auth("YN-KM-01"))
    assert posted.status_code == 429
    # another unit is not affected
    other = await intake.post("/v1/complaints", json=complaint("YN-DL"), headers=auth("YN-DL"))
    assert other.status_code == 202, other.text
    assert (await intake.get("/v1/complaints", headers=auth("YN-DL"))).status_code == 200


async def test_a_complaint_read_by_its_owner_is_never_limited(intake):
    for _ in range(LIMIT + 1):
        await intake.post("/v1/complaints", json=complaint("YN-KM-01"), headers=auth("YN-KM-01"))
    for _ in range(3 * LIMIT):
        for path in ("/v1/complaints/C1", "/v1/complaints/C1/timeline", "/v1/complaints/C1/form"):
            response = await intake.get(path, headers=auth("YN-KM-01"))
            assert response.status_code == 200, (path, response.text)


async def test_an_unauthenticated_request_is_401_not_429(intake):
    for _ in range(LIMIT + 1):
        await intake.post("/v1/complaints", json=complaint("YN-KM-01"), headers=auth("YN-KM-01"))
    response = await intake.post("/v1/complaints", json=complaint("YN-KM-01"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_limit_of_zero_turns_it_off(world):
    settings = IntakeSettings(
        org_directory=str(DEMO),
        jwt_secret=SECRET,
        intake_rate_limit=0,
        customer_master_key=MASTER_KEY_B64,
    )
    async with await client_for(settings, world) as client:
        for _ in range(10):
            response = await client.get("/v1/complaints", headers=auth("YN-KM-01"))
            assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "limited"),
    [
        ("POST", "/v1/complaints", True),
        ("GET", "/v1/complaints", True),
        ("GET", "/v1/complaints/", True),
        ("POST", "/v1/complaints/C1/events", True),
        ("GET", "/v1/complaints/C1", False),
        ("HEAD", "/v1/complaints/C1", False),
        ("GET", "/v1/complaints/C1/timeline", False),
        ("GET", "/v1/complaints/C1/form", False),
        ("GET", "/v1/complaints/C1/customer", False),
        ("POST", "/v1/complaints/C1/customer", False),
        ("GET", "/healthz", False),
        ("GET", "/metrics", False),
        ("GET", "/docs", False),
    ],
)
def test_which_requests_count(method, path, limited):
    assert rate_limited(method, path) is limited


# -- the development secret -------------------------------------------------------------------
def production_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if k not in ("JWT_SECRET", "DEV_MODE", "JWT_JWKS_URL")
    }


def test_the_app_factory_refuses_the_development_secret(monkeypatch):
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("DEV_MODE", raising=False)
    with pytest.raises(ConfigurationError, match="JWT_SECRET.*DEV_MODE=true"):
        create_app(IntakeSettings(org_directory=str(DEMO)))
    create_app(IntakeSettings(org_directory=str(DEMO), dev_mode=True))


def test_the_app_factory_refuses_the_development_master_key(monkeypatch):
    monkeypatch.delenv("CUSTOMER_MASTER_KEY", raising=False)
    monkeypatch.delenv("DEV_MODE", raising=False)
    with pytest.raises(ConfigurationError, match="CUSTOMER_MASTER_KEY.*DEV_MODE=true"):
        create_app(IntakeSettings(org_directory=str(DEMO), jwt_secret=SECRET))
    with pytest.raises(ConfigurationError, match="CUSTOMER_MASTER_KEY: decodes to 5 bytes"):
        create_app(
            IntakeSettings(
                org_directory=str(DEMO), jwt_secret=SECRET, customer_master_key="c2hvcnQ="
            )
        )


def test_serve_exits_non_zero_naming_the_settings():
    result = subprocess.run(
        [sys.executable, "-m", "intake", "serve", "--port", "0"],
        env={**production_env(), "ORG_DIRECTORY": str(DEMO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "intake refuses to start" in result.stderr
    assert "JWT_SECRET" in result.stderr and "DEV_MODE=true" in result.stderr
    assert "Traceback" not in result.stderr
