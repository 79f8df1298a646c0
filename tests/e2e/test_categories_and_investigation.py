"""Categories, handlers and the 24-hour investigation through the running services: bad input is
refused naming the field and records nothing; a plan may be decided only by the owner or a unit
above it; a complaint of the `logistics` line gets an `investigate` clock at assignment that a
plan meets, or that breaches at 24 h and is escalated; other lines get none.
"""

from __future__ import annotations

import pytest

from complaints_shared.testing import wait_for

from .workflow_support import (
    accept,
    act,
    act_ok,
    ago,
    assert_problem,
    body,
    events_of,
    marker,
    post_complaint,
    view,
    wait_owned,
)

pytestmark = pytest.mark.e2e

OWNER = "YN-KM-01"


def investigate(system, client, cid: str) -> dict | None:
    return next(
        (c for c in view(system, client, cid)["clocks"] if c["name"] == "investigate"), None
    )


def fields_of(problem: dict) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def test_a_category_outside_the_list_is_refused_naming_the_field(system):
    with system.client(OWNER) as client:
        response = client.post(
            system.url("intake", "/v1/complaints"), json=body(OWNER, category="weather")
        )
        problem = assert_problem(response, 422)
        assert any("category" in field for field in fields_of(problem)), problem


def test_a_handler_without_an_id_is_refused_and_records_nothing(system):
    with system.client(OWNER) as client:
        cid = post_complaint(system, client, OWNER)
        wait_owned(system, client, cid, OWNER)
        before = marker(system, client, cid, OWNER)
        response = act(system, client, cid, "accepted", OWNER, handler={"name": "张伟"})
        problem = assert_problem(response, 422)
        assert any("handler" in field for field in fields_of(problem)), problem
        after = marker(system, client, cid, OWNER)
        assert [e["type"] for e in after if e["type"] != "complaint.note"] == [
            e["type"] for e in before if e["type"] != "complaint.note"
        ]
        assert view(system, client, cid)["status"] == "assigned"


def test_a_plan_by_a_unit_that_sees_the_complaint_but_does_not_own_it_is_forbidden(system):
    with system.client(OWNER) as owner:
        cid = post_complaint(system, owner, OWNER, business_line="logistics", category="lost_goods")
        accept(system, owner, cid, OWNER, handler={"id": "KM01-7", "name": "张伟"})
        with system.client("YN-SUP") as supervision:  # may see it (unrestricted), not above it
            assert supervision.get(system.url("intake", f"/v1/complaints/{cid}")).status_code == 200
            refused = act(system, supervision, cid, "plan_decided", "YN-SUP", plan="上门取件")
            assert_problem(refused, 403)
        events = marker(system, owner, cid, OWNER)
        assert not [e for e in events if e["type"] == "complaint.plan_decided"]
        assert investigate(system, owner, cid)["state"] == "running"


def test_a_logistics_complaint_is_investigated_and_a_plan_meets_the_clock(system):
    with system.client(OWNER) as client:
        cid = post_complaint(
            system, client, OWNER, business_line="logistics", category="late_delivery"
        )
        running = wait_for(
            lambda: investigate(system, client, cid), what="the investigate clock at assignment"
        )
        assert running["state"] == "running"
        accept(system, client, cid, OWNER, handler={"id": "KM01-7", "name": "张伟"})
        act_ok(system, client, cid, "plan_decided", OWNER, plan="次日重新投递并致歉")
        assert wait_for(
            lambda: (investigate(system, client, cid) or {}).get("state") == "met",
            what="the plan meets the investigate clock",
        )


def test_a_logistics_complaint_left_alone_breaches_at_24_hours_and_is_escalated(system):
    with system.client(OWNER) as client:
        cid = post_complaint(
            system,
            client,
            OWNER,
            business_line="logistics",
            category="damaged_goods",
            received_at=ago(hours=25),
        )
        assert wait_for(
            lambda: (investigate(system, client, cid) or {}).get("state") == "breached",
            what="the investigate clock breached",
        )
        breach = wait_for(
            lambda: [
                e
                for e in events_of(system, client, cid, "sla.breached")
                if e["data"]["clock"] == "investigate"
            ],
            what="the investigate breach in the log",
        )[0]
        assert breach["data"]["owner_unit"] == OWNER
        escalation = wait_for(
            lambda: [
                e
                for e in events_of(system, client, cid, "complaint.escalated")
                if e["data"]["clock"] == "investigate"
            ],
            what="routing escalates the investigation",
        )[0]
        assert escalation["data"]["to_unit"] != OWNER


def test_a_complaint_of_another_line_has_no_investigation(system):
    with system.client(OWNER) as client:
        cid = post_complaint(system, client, OWNER, business_line="cards", category="attitude")
        wait_for(
            lambda: any(c["name"] == "resolve" for c in view(system, client, cid)["clocks"]),
            what="its clocks",
        )
        marker(system, client, cid, OWNER)
        assert investigate(system, client, cid) is None
