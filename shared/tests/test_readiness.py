"""`/readyz`: 200 with every check "ok", else 503 naming the failing check; `/healthz` stays
the liveness answer whatever the checks say."""

from __future__ import annotations

import asyncio
import socket

import pytest
from fastapi.testclient import TestClient

from complaints_shared.db import make_engine
from complaints_shared.readiness import BrokerProbe, Readiness, database_check
from complaints_shared.runtime import create_service_app


async def _nothing(app) -> None:
    return None


async def _ok() -> None:
    return None


async def _refused() -> None:
    raise ConnectionRefusedError("connect call failed ('10.0.0.1', 5432)")


async def _hangs() -> None:
    await asyncio.sleep(60)


def _client(readiness: Readiness | None) -> TestClient:
    return TestClient(
        create_service_app(
            title="t", description="t", startup=_nothing, shutdown=_nothing, readiness=readiness
        )
    )


def test_ready_when_every_check_answers() -> None:
    calendars = [{"calendar": "cn", "covered_years": [2026], "missing_years": [], "warning": False}]
    client = _client(Readiness({"database": _ok, "broker": _ok}, calendars=lambda: calendars))
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok"},
        "calendars": calendars,
    }


@pytest.mark.parametrize(
    ("database", "broker", "failing"),
    [(_refused, _ok, "database"), (_ok, _hangs, "broker")],
)
def test_unavailable_names_the_failing_check(database, broker, failing) -> None:
    readiness = Readiness({"database": database, "broker": broker}, timeout=0.2)
    client = _client(readiness)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unavailable"
    assert body["checks"][failing].startswith("failed")
    other = ({"database", "broker"} - {failing}).pop()
    assert body["checks"][other] == "ok"
    assert "10.0.0.1" not in answer.text  # the kind of failure, not the address
    assert body["calendars"] == []
    assert client.get("/healthz").status_code == 200


def test_a_calendar_warning_does_not_make_the_service_unready() -> None:
    entry = {"calendar": "cn", "covered_years": [2026], "missing_years": [2027], "warning": True}
    client = _client(Readiness({"database": _ok, "broker": _ok}, calendars=lambda: [entry]))
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["calendars"] == [entry]


def test_an_app_without_checks_is_not_ready() -> None:
    assert _client(None).get("/readyz").status_code == 503


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_real_checks_fail_on_a_closed_port() -> None:
    port = _closed_port()
    engine = make_engine(f"postgresql+asyncpg://u:p@127.0.0.1:{port}/db")
    probe = BrokerProbe(f"127.0.0.1:{port}", "t-readiness")
    readiness = Readiness(
        {"database": database_check(engine), "broker": probe}, timeout=5, on_close=[probe.close]
    )
    try:
        ready, body = await readiness.report()
    finally:
        await readiness.close()
        await engine.dispose()
    assert not ready
    assert body["checks"]["database"].startswith("failed")
    assert body["checks"]["broker"].startswith("failed")
