"""The HTTP routes over the in-memory `FakeClockReads`: no database, no broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from complaints_shared.http.auth import issue_token
from complaints_shared.organisation import load_organisation
from complaints_shared.workflow.lifecycle import ComplaintState, to_json
from sla_monitor.bootstrap import create_app
from sla_monitor.config import SlaSettings
from sla_monitor.domain import clocks as k
from sla_monitor.service_layer.handlers import unit_calendars
from sla_monitor.testing.fakes import FakeClockReads, FakeClockStore, FakeDatabase

SECRET = "sla-monitor-unit-tests-secret-long-enough-for-hs256"
DEMO_ORG = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"
CALENDARS = unit_calendars(load_organisation(DEMO_ORG))
POLICY = SlaSettings().policy()


@pytest.fixture
async def api() -> AsyncIterator[tuple[httpx.AsyncClient, FakeDatabase]]:
    settings = SlaSettings(org_directory=str(DEMO_ORG), jwt_secret=SECRET)
    app = create_app(settings)  # no lifespan runs: no consumer, relay or ticker
    db = FakeDatabase()
    app.state.clock_reads = FakeClockReads(db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sla") as client:
        yield client, db
    await app.state.sessions.kw["bind"].dispose()


async def complaint(db: FakeDatabase, cid: str, *, restricted: bool, hours_ago: float) -> None:
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    inputs = [k.Arrival("complaint", "YN-KM-01", at), k.Assignment("YN-KM-01", "branch", at)]
    state, _ = k.fold(inputs, POLICY, CALENDARS)
    state, effects = k.decide(state, k.TimerTick(datetime.now(UTC)), POLICY, CALENDARS)
    await FakeClockStore(db).save(cid, 0, state, effects, CALENDARS)
    lifecycle = ComplaintState(involved=("YN-KM-01",), restricted=restricted)
    db.complaint_states[cid] = to_json(lifecycle)


async def get(client: httpx.AsyncClient, path: str, caller: str, **query: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {issue_token(caller, SECRET)}"}
    return await client.get(path, params=query, headers=headers)


async def test_a_complaints_clocks_for_those_who_may_see_it(api):
    client, db = api
    await complaint(db, "C-1", restricted=True, hours_ago=0)
    found = await get(client, "/v1/complaints/C-1/clocks", "YN-KM")
    assert found.status_code == 200
    clocks = {clock["name"]: clock for clock in found.json()["clocks"]}
    assert set(clocks) == {"customer", "resolve", "start", "transfer"}
    assert clocks["start"]["due_at"].endswith("+08:00")
    assert (await get(client, "/v1/complaints/C-1/clocks", "YN-KM-02")).status_code == 404
    assert (await get(client, "/v1/complaints/C-none/clocks", "HQ")).status_code == 404


async def test_due_soon_and_breaches_of_the_callers_scope(api):
    client, db = api
    await complaint(db, "C-new", restricted=False, hours_ago=0)
    await complaint(db, "C-old", restricted=False, hours_ago=3)
    due = (await get(client, "/v1/sla/due", "YN-KM", within="PT3H")).json()
    assert [(row["complaint_id"], row["name"]) for row in due["clocks"]] == [
        ("C-new", "transfer"),
        ("C-new", "start"),
    ]
    breaches = (await get(client, "/v1/sla/breaches", "YN-KM")).json()["breaches"]
    assert [(row["complaint_id"], row["clock"]) for row in breaches] == [
        ("C-old", "transfer"),
        ("C-old", "start"),
    ]
    assert (await get(client, "/v1/sla/breaches", "YN-KM-02")).json()["breaches"] == []
    assert (await get(client, "/v1/sla/due", "YN-KM", unit="YN-DL")).status_code == 403


async def test_the_resolve_clock_shows_its_original_due_time_and_extensions(api):
    client, db = api
    at = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Kunming
    until = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)  # Wednesday 12:00
    inputs = [
        k.Arrival("complaint", "YN-KM-01", at),
        k.Assignment("YN-KM-01", "branch", at),
        k.ExtensionRequest("x1", "YN-KM-01", until, at + timedelta(hours=1)),
        k.ExtensionDecision("x1", True, at + timedelta(hours=2)),
    ]
    state, effects = k.fold(inputs, POLICY, CALENDARS)
    await FakeClockStore(db).save("C-x", 0, state, effects, CALENDARS)
    db.complaint_states["C-x"] = to_json(ComplaintState(involved=("YN-KM-01",)))
    found = await get(client, "/v1/complaints/C-x/clocks", "YN-KM-01")
    clocks = {clock["name"]: clock for clock in found.json()["clocks"]}
    resolve = clocks["resolve"]
    assert resolve["due_at"] == "2026-11-18T12:00:00+08:00"
    assert resolve["original_due_at"] == "2026-11-16T17:30:00+08:00"
    assert resolve["extensions"] == 1
    assert (clocks["start"]["original_due_at"], clocks["start"]["extensions"]) == (None, 0)


async def test_a_breach_shows_the_handler_it_is_attributed_to(api):
    client, db = api
    at = datetime.now(UTC) - timedelta(hours=3)
    inputs = [k.Arrival("complaint", "YN-KM-01", at), k.Assignment("YN-KM-01", "branch", at)]
    state, _ = k.fold(inputs, POLICY, CALENDARS)
    held = k.Handler("u-7", "Li")
    state, effects = k.decide(
        state, k.TimerTick(datetime.now(UTC)), POLICY, CALENDARS, handler=held
    )
    await FakeClockStore(db).save("C-1", 0, state, effects, CALENDARS)
    db.complaint_states["C-1"] = to_json(ComplaintState(involved=("YN-KM-01",)))
    breaches = (await get(client, "/v1/sla/breaches", "YN-KM")).json()["breaches"]
    assert [(row["clock"], row["handler"]) for row in breaches] == [
        ("transfer", {"id": "u-7", "name": "Li"}),
        ("start", {"id": "u-7", "name": "Li"}),
    ]
