"""Visibility and local times through the app, on the state folded from fed events.

A restricted (major liability) complaint is seen only by the units involved and the units
above them; everybody else gets 404 as for an unknown complaint, on every read.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.workflow.lifecycle import from_json
from sla_monitor.adapters import tables

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def received(unit: str, *flags: str) -> c.ComplaintReceived:
    return c.ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit=unit,
        business_line="cards",
        flags=flags,
        received_at=datetime.now(UTC) - timedelta(minutes=1),
        customer=c.Customer(name="A", phone="13900000000"),
        summary="card swallowed",
        posted_by=unit,
    )


def assigned(owner: str, *, restricted: bool = False, **more) -> r.ComplaintAssigned:
    return r.ComplaintAssigned(
        owner_unit=owner,
        handling_level="branch",
        rule="test",
        reason="test",
        restricted=restricted,
        **more,
    )


async def complaint(sla, *, restricted: bool, **more) -> str:
    cid = f"C-{uuid.uuid4().hex[:12]}"
    flags = ("major_liability",) if restricted else ()
    await sla.feed(
        cid, received("YN-KM-01", *flags), assigned("YN-KM-01", restricted=restricted, **more)
    )
    return cid


async def status(sla, cid: str, caller: str) -> int:
    response = await sla.get(f"/v1/complaints/{cid}/clocks", caller)
    if response.status_code == 404:
        assert response.headers["content-type"] == PROBLEM
    return response.status_code


RESTRICTED_SIGHT = {
    "YN-KM-01": 200,  # the outlet involved
    "YN-KM": 200,  # the branch above it
    "YN": 200,
    "HQ": 200,
    "YN-KM-02": 404,  # a sibling outlet
    "YN-KM-SUP": 404,  # the branch's supervision line
    "YN-DL": 404,  # a sibling branch
    "YN-SUP": 404,  # the province supervision line, not involved
    "YN-CS": 404,
    "GD": 404,
    "NOT-A-UNIT": 404,
}


async def test_the_fold_is_stored_per_complaint(sla):
    cid = await complaint(sla, restricted=True)
    async with sla.app.state.sessions() as session:
        data = (
            await session.execute(
                select(tables.complaint_states.c.state).where(
                    tables.complaint_states.c.complaint_id == cid
                )
            )
        ).scalar_one()
    state = from_json(data)
    assert state.restricted and state.status == "assigned"
    assert state.involved == ("YN-KM-01",)


async def test_a_restricted_case_is_seen_by_the_involved_and_above_only(sla):
    cid = await complaint(sla, restricted=True)
    found = {caller: await status(sla, cid, caller) for caller in RESTRICTED_SIGHT}
    assert found == RESTRICTED_SIGHT


async def test_an_unrestricted_case_is_seen_by_the_province_supervisors(sla):
    cid = await complaint(sla, restricted=False)
    expected = RESTRICTED_SIGHT | {"YN-SUP": 200, "YN-CS": 200}
    found = {caller: await status(sla, cid, caller) for caller in expected}
    assert found == expected


async def test_a_restricted_case_reported_to_the_supervision_line_is_seen_there(sla):
    cid = await complaint(sla, restricted=True, reported_to=("YN-SUP",))
    assert await status(sla, cid, "YN-SUP") == 200
    assert await status(sla, cid, "YN-CS") == 404
    cid = await complaint(sla, restricted=True)
    await sla.feed(cid, r.ComplaintReported(to_unit="YN-SUP", by_unit="YN-KM-01", reason="t"))
    assert await status(sla, cid, "YN-SUP") == 200


async def test_an_unknown_complaint_is_404_even_for_head_office(sla):
    assert await status(sla, "C-never-heard-of", "HQ") == 404


async def test_clocks_come_in_the_owners_local_offset(sla):
    cid = await complaint(sla, restricted=True)
    response = await sla.get(f"/v1/complaints/{cid}/clocks", "YN-KM")
    assert response.status_code == 200
    clocks = {clock["name"]: clock for clock in response.json()["clocks"]}
    assert "start" in clocks
    for clock in clocks.values():
        for field in ("started_at", "due_at"):
            assert clock[field].endswith("+08:00"), clock


async def test_due_lists_only_visible_complaints_in_local_time(sla):
    cid = await complaint(sla, restricted=True)
    response = await sla.get("/v1/sla/due", "YN-KM", unit="YN-KM-01", within="PT3H")
    assert response.status_code == 200, response.text
    rows = [row for row in response.json()["clocks"] if row["complaint_id"] == cid]
    assert {row["name"] for row in rows} == {"transfer", "start"}  # 1 h and 2 h
    assert all(row["due_at"].endswith("+08:00") for row in rows)
    for caller in ("YN-KM-02", "YN-SUP"):  # their own scope holds nothing of it
        response = await sla.get("/v1/sla/due", caller, within="PT3H")
        assert cid not in {row["complaint_id"] for row in response.json()["clocks"]}


async def test_breaches_need_a_visible_complaint(sla):
    seen = await complaint(sla, restricted=True)
    # Besides a breach of the involved outlet: one of a unit the complaint does not involve,
    # and one of a complaint the monitor has no state of.
    due = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    async with sla.app.state.sessions.begin() as session:
        rows = [(seen, "start", "YN-KM-01"), (seen, "x", "YN-KM-02"), ("C-none", "x", "YN-KM-02")]
        await session.execute(
            insert(tables.breaches),
            [
                {"complaint_id": cid, "clock": clock, "run": 1, "owner_unit": owner, "due_at": due}
                for cid, clock, owner in rows
            ],
        )
    found = await sla.get("/v1/sla/breaches", "YN-KM", **{"from": "2026-11-16T00:00:00+08:00"})
    assert found.status_code == 200, found.text
    rows = found.json()["breaches"]
    # The branch sees the complaint (its outlet is involved): both its breaches.
    assert [(b["complaint_id"], b["clock"]) for b in rows] == [(seen, "start"), (seen, "x")]
    assert rows[0]["due_at"] == "2026-11-16T17:30:00+08:00"
    # The outlet owning the other two sees neither complaint.
    assert (await sla.get("/v1/sla/breaches", "YN-KM-02")).json()["breaches"] == []
    before = await sla.get("/v1/sla/breaches", "YN-KM", to="2026-11-16T17:30:00+08:00")
    assert before.json()["breaches"] == []


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [
        ("/v1/sla/breaches", {"to": "0001-01-01"}, 422),
        ("/v1/sla/breaches", {"from": "0001-01-01T00:00:00+08:00"}, 422),
        ("/v1/sla/breaches", {"to": "2026-11-16T10:00:00"}, 422),
        ("/v1/sla/breaches", {"from": "yesterday"}, 422),
        ("/v1/sla/due", {"within": "garbage"}, 422),
        ("/v1/sla/due", {"within": "-60"}, 422),
        ("/v1/sla/due", {"within": "99999999999999"}, 422),
        ("/v1/sla/due", {"unit": "NOPE"}, 422),
        ("/v1/sla/due", {"unit": "YN-DL"}, 403),
        ("/v1/sla/breaches", {"unit": "YN"}, 403),
    ],
)
async def test_bad_query_values_are_problems_not_errors(sla, path, query, expected):
    response = await sla.get(path, "YN-KM", **query)
    assert response.status_code == expected, response.text
    assert response.headers["content-type"] == PROBLEM
