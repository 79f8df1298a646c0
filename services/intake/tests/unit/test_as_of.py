"""`?as_of=` on the complaint and its timeline, on the in-memory stores and over HTTP: the
complaint as intake knew it at a moment, by record time (not event time); 404 before it was
recorded, 422 for a moment in the future or without an offset; visible only to a caller that
may see it now and could see it then (docs/workflow.md#who-sees-what)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from complaints_shared.http.auth import issue_token
from intake.bootstrap import create_app
from intake.config import IntakeSettings
from intake.service_layer.queries import NoHistory, NotVisible
from intake.service_layer.submissions import SOURCE, Submissions

from .events import (
    MASTER_KEY,
    MASTER_KEY_B64,
    ORG,
    T0,
    action,
    assigned,
    at,
    received,
    registration,
    started,
    transferred,
)
from .test_queries import World

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "intake-unit-tests-secret-long-enough-for-hs256"
PLUS_8 = timedelta(hours=8)
LAG = 2  # minutes between an event's time and its recording


@pytest.fixture
def world() -> World:
    return World()


async def feed(world: World, event, minutes: float, source: str = "/routing", lag=LAG) -> None:
    """The event at `minutes`, recorded `lag` minutes later."""
    world.recorded = at(minutes + lag)
    await world.feed("C1", event, minutes, source)


async def handed_on(world: World) -> None:
    """Received at 0, assigned to YN-KM-01 at 1, handed on to YN-KM at 30 (each recorded two
    minutes after it happened); the resolve clock started at 1 and restarted at 30."""
    await feed(world, received("YN-KM-01"), 0, SOURCE)
    await feed(world, assigned("YN-KM-01"), 1)
    await feed(world, started("resolve", "YN-KM-01", at(1), at(600)), 1, "/sla-monitor")
    await feed(world, action("accepted", "YN-KM-01", at(5)), 5, SOURCE)
    await feed(world, transferred("YN-KM-01", "YN-KM"), 30)
    await feed(world, assigned("YN-KM", previous_owner="YN-KM-01"), 30)
    await feed(world, started("resolve", "YN-KM", at(30), at(700)), 30, "/sla-monitor")


async def test_the_complaint_as_it_stood_by_record_time(world):
    await handed_on(world)
    now = await world.queries.complaint("YN-KM", "C1")
    assert (now["status"], now["owner_unit"]) == ("assigned", "YN-KM")
    then = await world.queries.complaint("YN-KM", "C1", at(10))
    assert (then["status"], then["owner_unit"]) == ("in_progress", "YN-KM-01")
    assert then["units_involved"] == ["YN-KM-01"]
    [clock] = then["clocks"]
    assert (clock["owner_unit"], clock["due_at"]) == ("YN-KM-01", at(600))
    assert clock["due_at"].utcoffset() == PLUS_8 and then["received_at"].utcoffset() == PLUS_8
    assert then["next_due"]["due_at"] == at(600).astimezone(clock["due_at"].tzinfo).isoformat()
    assert "state" not in then and "provinces" not in then
    # the hand-off happened at 30 but was recorded at 32: at 31 intake did not know it yet
    assert (await world.queries.complaint("YN-KM", "C1", at(31)))["owner_unit"] == "YN-KM-01"
    assert (await world.queries.complaint("YN-KM", "C1", at(32)))["owner_unit"] == "YN-KM"
    assert await world.queries.complaint("YN-KM", "C1", at(10**5)) == now


async def test_before_it_was_recorded_it_is_not_found(world):
    await handed_on(world)
    with pytest.raises(NotVisible):
        await world.queries.complaint("YN-KM", "C1", at(1))  # received at 0, recorded at 2
    with pytest.raises(NotVisible):
        await world.queries.timeline("YN-KM", "C1", at(100), at(1))
    assert (await world.queries.complaint("YN-KM", "C1", at(2)))["status"] == "received"


async def test_registered_but_not_yet_back_from_the_log(world):
    world.recorded = at(0)
    submissions = Submissions(
        world.commands.transaction, ORG, customer_secret=b"test-secret", master_key=MASTER_KEY
    )
    recorded = await submissions.submit_complaint(
        caller="YN-KM-01", registration=registration("YN-KM-01"), received_at=T0, key=None, body={}
    )
    expected = {
        "complaint_id": recorded.complaint_id,
        "status": "received",
        "receiving_unit": "YN-KM-01",
        "units_involved": ["YN-KM-01"],
        "clocks": [],
    }
    assert await world.queries.complaint("YN-KM", recorded.complaint_id, at(1)) == expected
    timeline = await world.queries.timeline("YN-KM", recorded.complaint_id, at(5), at(1))
    assert (timeline["events"], timeline["stays"]) == ([], [])
    with pytest.raises(NotVisible):
        await world.queries.complaint("YN-KM", recorded.complaint_id, at(-1))


async def test_the_timeline_as_of_lists_what_was_recorded_and_the_stays_then(world):
    await handed_on(world)
    timeline = await world.queries.timeline("YN-KM", "C1", at(100), at(20))
    assert [e["type"] for e in timeline["events"]] == [
        "complaint.received",
        "complaint.assigned",
        "sla.clock_started",
        "complaint.accepted",
    ]
    assert timeline["handoffs"] == []
    [stay] = timeline["stays"]  # still with the first owner, up to the moment asked about
    assert (stay["unit"], stay["until"], stay["seconds"]) == ("YN-KM-01", None, 19 * 60)
    later = await world.queries.timeline("YN-KM", "C1", at(100), at(32))
    assert [h["to_unit"] for h in later["handoffs"]] == ["YN-KM"]
    assert [(s["unit"], s["seconds"]) for s in later["stays"]] == [
        ("YN-KM-01", 29 * 60),
        ("YN-KM", 2 * 60),
    ]
    assert later["events"][0]["data"]["received_at"].endswith("+08:00")


async def test_a_caller_must_see_it_now_and_have_seen_it_then(world):
    """YN-KM sees it now (the owner) but, before the hand-off, it was not involved and no unit
    of its subtree was... except the receiving outlet below it, so it saw it then too. A
    sibling outlet that becomes involved later did not see it before."""
    await handed_on(world)
    await feed(world, transferred("YN-KM", "YN-KM-02"), 40)
    await feed(world, assigned("YN-KM-02", previous_owner="YN-KM"), 40)
    assert (await world.queries.complaint("YN-KM-02", "C1"))["owner_unit"] == "YN-KM-02"
    with pytest.raises(NotVisible):
        await world.queries.complaint("YN-KM-02", "C1", at(35))  # not involved yet
    with pytest.raises(NotVisible):
        await world.queries.timeline("YN-KM-02", "C1", at(100), at(35))
    assert (await world.queries.complaint("YN-KM", "C1", at(35)))["owner_unit"] == "YN-KM"
    with pytest.raises(NotVisible):  # and never for a unit that may not see it now
        await world.queries.complaint("YN-DL", "C1", at(35))


async def test_a_restricted_case_hides_its_past_from_the_province_supervisors(world):
    await feed(world, received("YN-KM-01"), 0, SOURCE)
    await feed(world, assigned("YN-KM-01"), 1)
    await feed(world, assigned("YN-KM-01", restricted=True), 10)
    with pytest.raises(NotVisible):  # not now, so not then either
        await world.queries.complaint("YN-SUP", "C1", at(5))


async def test_entries_without_a_snapshot_have_no_history(world):
    await handed_on(world)
    for entry in world.views.timeline:
        entry["view_after"] = None  # as recorded before revision 0005
    with pytest.raises(NoHistory):
        await world.queries.complaint("YN-KM", "C1", at(10))


class Api:
    def __init__(self, client: httpx.AsyncClient, world: World) -> None:
        self.client, self.world = client, world

    async def get(self, path: str, caller: str = "YN-KM", **query: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {issue_token(caller, SECRET)}"}
        return await self.client.get(path, params=query, headers=headers)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    app = create_app(
        IntakeSettings(
            org_directory=str(DEMO), jwt_secret=SECRET, customer_master_key=MASTER_KEY_B64
        )
    )
    world = World()
    app.state.queries = world.queries  # no lifespan runs: no consumer, relay or database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        yield Api(client, world)


@pytest.mark.parametrize("path", ["/v1/complaints/C1", "/v1/complaints/C1/timeline"])
async def test_over_http(api, path):
    await handed_on(api.world)
    moment = at(10).astimezone(T0.tzinfo).isoformat()
    response = await api.get(path, as_of=moment)
    assert response.status_code == 200, response.text
    if path.endswith("timeline"):
        assert len(response.json()["events"]) == 4
        stay = response.json()["stays"][0]
        assert stay["until"] is None and stay["seconds"] == 9 * 60
    else:
        body = response.json()
        assert (body["status"], body["owner_unit"]) == ("in_progress", "YN-KM-01")
        assert body["received_at"].endswith("+08:00")
    before = await api.get(path, as_of=at(1).isoformat())
    assert before.status_code == 404
    assert before.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/v1/complaints/C1", "/v1/complaints/C1/timeline"])
@pytest.mark.parametrize("moment", ["2999-01-01T00:00:00+08:00", "2026-11-23T10:30:00", "soon"])
async def test_a_future_naive_or_bad_moment_is_a_problem_naming_as_of(api, path, moment):
    await handed_on(api.world)
    response = await api.get(path, as_of=moment)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == ["query.as_of"]


async def test_a_moment_just_ahead_within_the_clock_skew_is_accepted(api):
    await handed_on(api.world)
    from datetime import UTC, datetime

    soon = (datetime.now(UTC) + timedelta(seconds=60)).isoformat()
    response = await api.get("/v1/complaints/C1", as_of=soon)
    assert response.status_code == 200 and response.json()["owner_unit"] == "YN-KM"


async def test_no_history_that_far_back_is_a_problem(api):
    await handed_on(api.world)
    for entry in api.world.views.timeline:
        entry["view_after"] = None
    response = await api.get("/v1/complaints/C1", as_of=at(10).isoformat())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.as_of"
