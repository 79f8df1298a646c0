"""Bad input gets a 4xx problem+json naming the field, never a 500, and nothing is written."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from complaints_shared.db import asyncpg_connect_args

pytestmark = pytest.mark.e2e

GOOD = {
    "kind": "complaint",
    "channel": "hotline",
    "receiving_unit": "YN-KM",
    "business_line": "cards",
    "received_at": "2026-11-23T10:15:00+08:00",
    "customer": {"name": "张三", "phone": "13800000000"},
    "summary": "Card charged twice",
}
FUTURE = (datetime.now(UTC) + timedelta(hours=2)).isoformat()


def without(key: str) -> dict:
    return {k: v for k, v in GOOD.items() if k != key}


CASES = [
    pytest.param(
        "YN-KM", GOOD | {"channel": "carrier_pigeon"}, 422, "channel", id="unknown-channel"
    ),
    pytest.param("YN-KM", without("customer"), 422, "customer", id="missing-field"),
    pytest.param("YN-KM", GOOD | {"severity": 5}, 422, "severity", id="wrong-type-severity"),
    pytest.param("YN-KM", GOOD | {"flags": "discipline"}, 422, "flags", id="wrong-type-flags"),
    pytest.param(
        "YN-KM",
        GOOD | {"customer": {"name": "x", "phone": 12}},
        422,
        "customer.phone",
        id="wrong-type-nested",
    ),
    pytest.param("YN-KM", GOOD | {"received_at": FUTURE}, 422, "received_at", id="future"),
    pytest.param(
        "YN-KM",
        GOOD | {"received_at": "2026-11-23T10:15:00"},
        422,
        "received_at",
        id="no-offset",
    ),
    pytest.param(
        "YN", GOOD | {"receiving_unit": "YN-NOWHERE"}, 422, "receiving_unit", id="unknown-unit"
    ),
    pytest.param(
        "YN-KM", GOOD | {"business_line": "casino"}, 422, "business_line", id="unknown-line"
    ),
    pytest.param("YN-KM", GOOD | {"surprise": 1}, 422, "surprise", id="unknown-field"),
    pytest.param("YN-DL", GOOD, 403, "receiving_unit", id="token-for-another-unit"),
    pytest.param("YN-KM-01", GOOD, 403, "receiving_unit", id="token-below-the-unit"),
    pytest.param("YN-KM", GOOD | {"summary": "x" * 70_000}, 413, None, id="body-over-limit"),
]


def outbox_rows(system) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(**asyncpg_connect_args(system.database_url("intake")))
        try:
            return await conn.fetchval("SELECT count(*) FROM outbox")
        finally:
            await conn.close()

    return asyncio.run(count())


def assert_problem(response, status: int, field: str | None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"]
    if field:
        assert field in [error["field"] for error in problem["errors"]], problem


@pytest.mark.parametrize(("unit", "body", "status", "field"), CASES)
def test_bad_complaints_are_refused_with_a_problem_and_nothing_is_written(
    system, unit, body, status, field
):
    before = outbox_rows(system)
    with system.client(unit) as client:
        response = client.post(system.url("intake", "/v1/complaints"), json=body)
    assert_problem(response, status, field)
    assert outbox_rows(system) == before


def test_missing_and_forged_tokens_are_refused(system):
    import httpx

    before = outbox_rows(system)
    missing = httpx.post(system.url("intake", "/v1/complaints"), json=GOOD)
    forged = httpx.post(
        system.url("intake", "/v1/complaints"),
        json=GOOD,
        headers={"Authorization": "Bearer not.a.token"},
    )
    assert_problem(missing, 401, None)
    assert_problem(forged, 401, None)
    assert outbox_rows(system) == before


def test_problem_details_are_chinese_unless_english_is_asked_for(system):
    body = GOOD | {"received_at": "2026-11-23T10:15:00"}  # no offset
    answers = {}
    for language in (None, "en"):
        with system.client("YN-KM", language=language) as client:
            answers[language] = client.post(system.url("intake", "/v1/complaints"), json=body)
    chinese, english = answers[None], answers["en"]
    assert_problem(chinese, 422, "received_at")
    assert_problem(english, 422, "received_at")
    assert chinese.headers["content-language"] == "zh-CN"
    assert english.headers["content-language"] == "en"
    assert chinese.json()["title"] == "请求无效"
    assert english.json()["title"] == "Invalid request"
    [zh] = [e for e in chinese.json()["errors"] if e["field"] == "received_at"]
    [en] = [e for e in english.json()["errors"] if e["field"] == "received_at"]
    assert zh["message"] != en["message"]
    assert not zh["message"].isascii() and en["message"].isascii()


def test_malformed_json_is_a_problem(system):
    with system.client("YN-KM") as client:
        response = client.post(
            system.url("intake", "/v1/complaints"),
            content=b'{"kind": ',
            headers={"Content-Type": "application/json"},
        )
    assert_problem(response, 422, None)


ACTIONS = [
    pytest.param(
        {"type": "teleported", "unit": "YN-KM", "at": "2026-11-23T10:15:00+08:00"},
        422,
        "type",
        id="unknown-action",
    ),
    pytest.param(
        {
            "type": "classified",
            "unit": "YN-KM",
            "at": "2026-11-23T10:15:00+08:00",
            "classification": "maybe",
        },
        422,
        "classification",
        id="bad-classification",
    ),
    pytest.param(
        {
            "type": "return_visit_recorded",
            "unit": "YN-KM",
            "at": "2026-11-23T10:15:00+08:00",
            "satisfaction": 9,
        },
        422,
        "satisfaction",
        id="satisfaction-out-of-range",
    ),
    pytest.param({"type": "accepted", "unit": "YN-KM", "at": FUTURE}, 422, "at", id="future-at"),
    pytest.param(
        {"type": "accepted", "unit": "GD-GZ", "at": "2026-11-23T10:15:00+08:00"},
        403,
        "unit",
        id="acting-as-another-unit",
    ),
    pytest.param({"type": "accepted", "unit": "YN-KM"}, 422, "at", id="missing-at"),
]


@pytest.mark.parametrize(("body", "status", "field"), ACTIONS)
def test_bad_actions_are_refused_and_nothing_is_written(system, body, status, field):
    with system.client("YN-KM") as client:
        cid = client.post(system.url("intake", "/v1/complaints"), json=GOOD).json()["complaint_id"]
        before = outbox_rows(system)
        response = client.post(system.url("intake", f"/v1/complaints/{cid}/events"), json=body)
    assert_problem(response, status, field)
    assert outbox_rows(system) == before


def test_an_action_on_an_unknown_complaint_is_404(system):
    with system.client("YN-KM") as client:
        response = client.post(
            system.url("intake", "/v1/complaints/no-such-complaint/events"),
            json={"type": "accepted", "unit": "YN-KM", "at": "2026-11-23T10:15:00+08:00"},
        )
    assert_problem(response, 404, None)
