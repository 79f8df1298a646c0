"""The worklist `GET /v1/complaints`: bad values are a 4xx problem+json, never a 500; the
cursor walks every item once, ordered by the next due clock with complaints lacking one last;
by default resolved and closed complaints are left out.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from complaints_shared.testing import wait_for

from .workflow_support import (
    accept,
    act,
    act_ok,
    ago,
    assert_problem,
    post_complaint,
    resolve,
    wait_owned,
    wait_status,
    worklist_pages,
)

pytestmark = pytest.mark.e2e
OUTLET = "GD-SZ-02"  # no other suite posts here: its queue is this file's alone

INVALID = (400, 422)
NOT_YOURS = (403, 404, 422)
BAD = [
    pytest.param("YN-KM", {"status": "flying"}, INVALID, id="unknown-status"),
    pytest.param("YN-KM", {"status": ["assigned", "flying"]}, INVALID, id="one-bad-status-of-two"),
    pytest.param("YN-KM", {"cursor": "%%not-a-cursor%%"}, INVALID, id="malformed-cursor"),
    pytest.param("YN-KM", {"cursor": "eyJhIjogMX0"}, INVALID, id="forged-cursor"),
    pytest.param("YN-KM", {"limit": 0}, INVALID, id="limit-0"),
    pytest.param("YN-KM", {"limit": 501}, INVALID, id="limit-501"),
    pytest.param("YN-KM", {"limit": "many"}, INVALID, id="limit-not-a-number"),
    pytest.param("YN-DL", {"owner_unit": "YN-KM-01"}, NOT_YOURS, id="owner-unit-not-visible"),
    pytest.param("GD", {"owner_unit": "YN-KM"}, NOT_YOURS, id="owner-unit-other-province"),
    pytest.param("YN-KM", {"owner_unit": "YN-NOWHERE"}, (*INVALID, 404), id="owner-unit-unknown"),
    pytest.param(
        "YN-KM", {"receiving_unit": "YN-NOWHERE"}, (*INVALID, 404), id="receiving-unit-unknown"
    ),
    pytest.param("YN-KM", {"due_before": "tomorrow"}, INVALID, id="due-before-not-a-time"),
]


@pytest.mark.parametrize(("caller", "params", "statuses"), BAD)
def test_bad_worklist_queries_are_a_problem_never_a_500(system, caller, params, statuses):
    with system.client(caller) as client:
        response = client.get(system.url("intake", "/v1/complaints"), params=params)
    problem = assert_problem(response)
    assert response.status_code in statuses, problem


def ordered(items: list[dict]) -> bool:
    """By `next_due.due_at`, complaints without a next due clock last."""
    keys = [
        (0, datetime.fromisoformat(i["next_due"]["due_at"])) if i.get("next_due") else (1, None)
        for i in items
    ]
    dated = [k[1] for k in keys if k[0] == 0]
    return keys == sorted(keys, key=lambda k: k[0]) and dated == sorted(dated)


@pytest.fixture(scope="module")
def queue(system) -> dict[str, list[str]]:
    """Five open complaints at the outlet received at different times (so their next due
    clocks differ), and one it has closed (no clock left running)."""
    with system.client(OUTLET) as outlet, system.client("GD-SUP") as supervision:
        open_ids = [
            post_complaint(system, outlet, OUTLET, received_at=ago(minutes=6 * n))
            for n in range(1, 6)
        ]
        done = post_complaint(system, outlet, OUTLET, received_at=ago(minutes=40))
        for cid in open_ids:
            wait_owned(system, outlet, cid, OUTLET)
        resolve(system, outlet, done, OUTLET, reply="explained")
        # A return visit may be due (sampled): make it, so that nothing stands in the way of
        # closing; closing is retried while the visit is still being recorded (409).
        act_ok(system, supervision, done, "return_visit_recorded", "GD-SUP", satisfaction=5)
        wait_for(
            lambda: act(system, outlet, done, "closed", OUTLET).status_code == 202,
            interval=0.5,
            what="the complaint closed",
        )
        wait_status(system, outlet, done, "closed")
        for cid in open_ids:  # every open one shows its clocks in the worklist
            wait_for(
                lambda cid=cid: any(
                    i["complaint_id"] == cid and i.get("next_due")
                    for page in worklist_pages(system, outlet, owner_unit=OUTLET, limit=500)
                    for i in page
                ),
                what=f"{cid} listed with its next due clock",
            )
    return {"open": open_ids, "closed": [done]}


def test_the_cursor_walks_every_item_once_in_due_order_with_undated_ones_last(system, queue):
    with system.client(OUTLET) as outlet:
        pages = worklist_pages(
            system,
            outlet,
            owner_unit=OUTLET,
            status=["assigned", "in_progress", "closed"],
            limit=2,
        )
    items = [item for page in pages for item in page]
    ids = [item["complaint_id"] for item in items]
    assert all(len(page) <= 2 for page in pages)
    assert len(ids) == len(set(ids)), "an item listed twice"
    assert set(queue["open"]) | set(queue["closed"]) <= set(ids)
    assert all(item["owner_unit"] == OUTLET for item in items)
    assert ordered(items), [(i["complaint_id"], i.get("next_due")) for i in items]
    closed = next(item for item in items if item["complaint_id"] == queue["closed"][0])
    assert closed["status"] == "closed" and closed["next_due"] is None
    assert all(items[n]["next_due"] for n in range(len(items)) if ids[n] in queue["open"])


def test_by_default_resolved_and_closed_complaints_are_left_out(system, queue):
    with system.client(OUTLET) as outlet:
        pages = worklist_pages(system, outlet, owner_unit=OUTLET, limit=2)
    items = [item for page in pages for item in page]
    ids = [item["complaint_id"] for item in items]
    assert len(ids) == len(set(ids))
    assert set(queue["open"]) <= set(ids)
    assert not set(queue["closed"]) & set(ids)
    assert {item["status"] for item in items}.isdisjoint({"resolved", "closed"})
    assert ordered(items)


def test_a_filter_keeps_to_what_it_names(system, queue):
    """`status` (repeatable) and `receiving_unit` filter; an action the rules refuse is not a
    worklist item either (accepting a closed complaint: conflict)."""
    with system.client(OUTLET) as outlet:
        refused = act(system, outlet, queue["closed"][0], "accepted", OUTLET)
        closed_only = [
            i for p in worklist_pages(system, outlet, status="closed", limit=2) for i in p
        ]
        received_here = [
            i for p in worklist_pages(system, outlet, receiving_unit=OUTLET, limit=2) for i in p
        ]
    assert_problem(refused, 409)
    assert {i["status"] for i in closed_only} == {"closed"}
    assert queue["closed"][0] in {i["complaint_id"] for i in closed_only}
    assert {i["receiving_unit"] for i in received_here} == {OUTLET}
    assert set(queue["open"]) <= {i["complaint_id"] for i in received_here}


def test_accepting_moves_an_item_to_in_progress_in_the_worklist(system, queue):
    cid = queue["open"][0]
    with system.client(OUTLET) as outlet:
        accept(system, outlet, cid, OUTLET)

        def listed() -> dict | None:
            items = [
                i
                for p in worklist_pages(system, outlet, owner_unit=OUTLET, status="in_progress")
                for i in p
            ]
            return next((i for i in items if i["complaint_id"] == cid), None)

        item = wait_for(listed, what="the accepted complaint in progress in the worklist")
    assert item["status"] == "in_progress"
