"""`/readyz`'s checks against the real PostgreSQL and broker: both answer, then each one that
does not is named."""

from __future__ import annotations

import socket

import pytest

from complaints_shared.db import make_engine
from complaints_shared.readiness import BrokerProbe, Readiness, database_check

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_ready_against_the_real_database_and_broker(db, broker) -> None:
    probe = BrokerProbe(broker.bootstrap, "it-readiness")
    readiness = Readiness(
        {"database": database_check(db.engine), "broker": probe}, on_close=[probe.close]
    )
    try:
        for _ in range(3):  # the probe's client is kept and reused
            ready, body = await readiness.report()
            assert ready, body
            assert body["checks"] == {"database": "ok", "broker": "ok"}
    finally:
        await readiness.close()


async def test_the_missing_one_is_named(db, broker) -> None:
    port = _closed_port()
    gone = make_engine(f"postgresql+asyncpg://u:p@127.0.0.1:{port}/nothing")
    probe = BrokerProbe(broker.bootstrap, "it-r")
    readiness = Readiness(
        {"database": database_check(gone), "broker": probe}, timeout=5, on_close=[probe.close]
    )
    try:
        ready, body = await readiness.report()
    finally:
        await readiness.close()
        await gone.dispose()
    assert not ready
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("failed")
    assert body["checks"]["broker"] == "ok"
