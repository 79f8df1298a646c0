"""`GET /v1/routing/explain` over HTTP, on the app as `bootstrap` wires it (its lifespan, which
would reach the database and broker, never runs): the decision with every rule considered, and
problem+json for a bad or forbidden request (docs/domain.md#routing,
docs/architecture.md#http-contract)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from routing.bootstrap import create_app
from routing.config import RoutingSettings
from routing.domain.rules import RULE_NAMES

DEMO = Path(__file__).resolve().parents[4] / "deploy" / "demo" / "organisation.yaml"
SECRET = "routing-unit-tests-secret-long-enough-for-hs256"


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(RoutingSettings(org_directory=str(DEMO), jwt_secret=SECRET))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://routing") as client:
        yield client


def as_unit(unit: str) -> dict[str, str]:
    token = jwt.encode({"unit": unit, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


async def explain(api: httpx.AsyncClient, caller: str | None, **query: Any) -> httpx.Response:
    headers = as_unit(caller) if caller else {}
    headers["Accept-Language"] = "en"  # problem details are Chinese unless English is asked for
    return await api.get("/v1/routing/explain", params=query, headers=headers)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_the_decision_with_every_rule_considered(api):
    response = await explain(
        api, "HQ", receiving_unit="YN-KM-HOT", business_line="cards", channel="hotline"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "category",
        "owner_unit",
        "handling_level",
        "rule",
        "reason",
        "also_involved",
        "reported_to",
        "restricted",
        "considered",
    }
    assert (body["owner_unit"], body["handling_level"]) == ("YN-KM-AST", "branch")
    assert body["rule"] == "hotline_hand_on"
    assert body["reason"] == (
        "the hotline does not handle complaints; it hands on to the assistance line YN-KM-AST"
    )
    assert (body["also_involved"], body["reported_to"], body["restricted"]) == (
        [],
        ["YN-KM-SUP"],
        False,
    )
    assert [c["rule"] for c in body["considered"]] == list(RULE_NAMES)
    assert all(set(c) == {"rule", "fired", "reason"} for c in body["considered"])
    assert body["category"] == "other"  # none asked: the registration's default


async def test_the_category_is_shown_and_routes_nothing(api):
    query = {"receiving_unit": "YN-KM-01", "business_line": "logistics", "channel": "on_site"}
    plain = (await explain(api, "YN-KM", **query)).json()
    late = await explain(api, "YN-KM", category="late_delivery", **query)
    assert late.status_code == 200, late.text
    assert late.json()["category"] == "late_delivery"
    assert {k: v for k, v in late.json().items() if k != "category"} == {
        k: v for k, v in plain.items() if k != "category"
    }
    bad = problem(await explain(api, "YN-KM", category="rudeness", **query), 422)
    assert "category" in str(bad)


async def test_flags_and_severity_change_the_decision(api):
    response = await explain(
        api,
        "HQ",
        receiving_unit="YN-KM-01",
        business_line="cards",
        channel="on_site",
        severity="major",
        flags=["discipline", "media_exposure", "major_liability"],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["owner_unit"], body["rule"]) == ("HQ-DIO", "discipline_office")
    assert body["also_involved"] == ["YN-CS", "YN-CARDS", "YN-SUP"]
    assert body["restricted"] is True


async def test_a_unit_explains_the_routing_of_the_units_below_it(api):
    response = await explain(
        api, "YN-KM", receiving_unit="YN-KM-01", business_line="loans", channel="on_site"
    )
    assert response.status_code == 200, response.text
    assert response.json()["owner_unit"] == "YN-KM-LOANS"


async def test_not_the_routing_of_a_unit_above_it(api):
    response = await explain(
        api, "YN-KM-01", receiving_unit="YN-KM", business_line="loans", channel="on_site"
    )
    body = problem(response, 403)
    assert body["detail"] == "YN-KM-01 may explain only its own units' routing"


async def test_an_unknown_receiving_unit_is_a_field_error(api):
    response = await explain(
        api, "HQ", receiving_unit="NOPE", business_line="loans", channel="on_site"
    )
    body = problem(response, 422)
    assert body["errors"] == [{"field": "receiving_unit", "message": "unknown unit 'NOPE'"}]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param({"channel": "bogus"}, "query.channel", id="unknown channel"),
        pytest.param({"business_line": ""}, "query.business_line", id="empty business line"),
        pytest.param({"flags": ["nope"]}, "query.flags.0", id="unknown flag"),
        pytest.param({"severity": "huge"}, "query.severity", id="unknown severity"),
    ],
)
async def test_bad_query_values_are_field_errors(api, query, field):
    base = {"receiving_unit": "YN", "business_line": "loans", "channel": "letter"}
    body = problem(await explain(api, "HQ", **(base | query)), 422)
    assert [e["field"] for e in body["errors"]] == [field]


async def test_a_caller_must_say_who_it_is(api):
    response = await explain(api, None, receiving_unit="HQ", business_line="cards", channel="email")
    problem(response, 401)
