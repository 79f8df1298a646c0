"""The workflow enforced through the running services: who may act, in which status (refusals
in the order 404, 403, 409, nothing recorded), and that every service agrees on status, stays,
visibility, escalation alerts and local times. One test per measured problem.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from complaints_shared.contracts.envelope import Envelope
from complaints_shared.contracts.routing_events import ComplaintAssigned
from complaints_shared.testing import wait_for
from complaints_shared.testing.kafka import find_envelopes, produce

from .workflow_support import (
    accept,
    act,
    act_ok,
    ago,
    assert_problem,
    events_of,
    marker,
    not_local,
    now,
    post_complaint,
    resolve,
    timeline,
    view,
    wait_owned,
    worklist,
)

pytestmark = pytest.mark.e2e


def dashboard_timeline(system, client, cid: str) -> dict | None:
    response = client.get(system.url("dashboard", f"/v1/dashboard/complaints/{cid}/timeline"))
    return response.json() if response.status_code == 200 else None


def notifications(system, client, cid: str):
    return client.get(system.url("notifier", "/v1/notifications"), params={"complaint_id": cid})


def sla_clocks(system, client, cid: str):
    return client.get(system.url("sla-monitor", f"/v1/complaints/{cid}/clocks"))


# a. ---------------------------------------------------------------------------------------


def test_a_sibling_branch_resolving_a_complaint_it_cannot_see_gets_404_and_nothing_recorded(
    system,
):
    with system.client("YN-KM") as kunming, system.client("YN-DL") as dali:
        cid = post_complaint(system, kunming, "YN-KM-01")
        wait_owned(system, kunming, cid, "YN-KM-01")
        refused = act(system, dali, cid, "resolved", "YN-DL", reply="not ours to answer")
        assert_problem(refused, 404)
        # Naming the owner as the acting unit is refused too (not a unit below the caller).
        pretending = act(system, dali, cid, "resolved", "YN-KM-01", reply="not ours either")
        assert pretending.status_code in (403, 404), pretending.text
        events = marker(system, kunming, cid, "YN-KM-01")
        seen = view(system, kunming, cid)
    assert [e for e in events if e["type"] == "complaint.resolved"] == []
    assert seen["status"] == "assigned"


# b. ---------------------------------------------------------------------------------------


def test_only_the_province_classifies_special_not_the_owning_outlet(system):
    with system.client("YN-KM-01") as outlet, system.client("YN-SUP") as supervision:
        cid = post_complaint(system, outlet, "YN-KM-01")
        accept(system, outlet, cid, "YN-KM-01")
        refused = act(system, outlet, cid, "classified", "YN-KM-01", classification="special")
        assert_problem(refused, 403)
        # The outlet may classify valid; the province's supervision line may classify special.
        act_ok(system, supervision, cid, "classified", "YN-SUP", classification="special")
        events = marker(system, outlet, cid, "YN-KM-01")
        classified = [e["data"] for e in events if e["type"] == "complaint.classified"]
        seen = wait_for(
            lambda: (v := view(system, outlet, cid)).get("classification") == "special" and v,
            what="the classification in the view",
        )
    assert [(c["unit"], c["classification"]) for c in classified] == [("YN-SUP", "special")]
    assert seen["status"] == "in_progress"


# c. ---------------------------------------------------------------------------------------


def test_resolving_twice_or_accepting_a_resolved_complaint_is_a_conflict(system):
    with system.client("YN-KM-01") as outlet:
        cid = post_complaint(system, outlet, "YN-KM-01")
        resolve(system, outlet, cid, "YN-KM-01", reply="card returned")
        again = act(system, outlet, cid, "resolved", "YN-KM-01", reply="card returned again")
        problem = assert_problem(again, 409)
        late = assert_problem(act(system, outlet, cid, "accepted", "YN-KM-01"), 409)
        events = marker(system, outlet, cid, "YN-KM-01")
        seen = view(system, outlet, cid)
    for refusal in (problem, late):
        assert refusal["complaint_status"] == "resolved", refusal
        allowed = set(refusal["allowed_actions"])
        assert {"reopened", "note"} <= allowed, refusal
        assert not {"resolved", "accepted", "transfer_requested"} & allowed, refusal
    kinds = [e["type"] for e in events]
    assert kinds.count("complaint.resolved") == 1 and kinds.count("complaint.accepted") == 1
    assert seen["status"] == "resolved"


def test_an_action_before_routing_named_the_owner_is_a_conflict_to_retry(system):
    """The broker is cut so routing cannot have assigned the complaint yet: signing for it is
    409 with Retry-After; once the assignment arrives the same action is accepted."""
    with system.client("YN-KM-01") as outlet:
        system.proxy.cut()
        try:
            cid = post_complaint(system, outlet, "YN-KM-01")
            early = act(system, outlet, cid, "accepted", "YN-KM-01")
        finally:
            system.proxy.restore()
        problem = assert_problem(early, 409)
        assert early.headers.get("Retry-After"), early.headers
        assert problem["complaint_status"] == "received", problem
        seen = accept(system, outlet, cid, "YN-KM-01")
        kinds = [e["type"] for e in timeline(system, outlet, cid)["events"]]
    assert kinds.count("complaint.accepted") == 1
    assert seen["owner_unit"] == "YN-KM-01"


def test_a_unit_above_acting_as_the_owner_is_recorded_as_posted_by_the_caller(system):
    with system.client("YN-KM") as branch:
        cid = post_complaint(system, branch, "YN-KM-01")
        accept(system, branch, cid, "YN-KM-01")  # the branch signs for its outlet
        accepted = events_of(system, branch, cid, "complaint.accepted")
    assert [(e["data"]["unit"], e["data"]["posted_by"]) for e in accepted] == [
        ("YN-KM-01", "YN-KM")
    ]


# d. ---------------------------------------------------------------------------------------


class Observed(dict):
    """What a poll saw: true only when it is what the test waits for; its repr says why not."""

    def __bool__(self) -> bool:
        return bool(self.get("ok"))

    def __repr__(self) -> str:
        return repr({k: self.get(k) for k in ("intake", "dashboard")})


def both_timelines(system, client, cid: str, units: list[str], status: str) -> Observed:
    """Intake's and the dashboard's timelines once both show `units` as the stays and `status`."""
    mine = timeline(system, client, cid)
    board = dashboard_timeline(system, client, cid) or {"stays": [], "complaint": {}}
    seen = view(system, client, cid)
    observed = Observed(
        intake=(seen.get("status"), [s["unit"] for s in mine["stays"]]),
        dashboard=(board["complaint"].get("status"), [s["unit"] for s in board["stays"]]),
    )
    observed["ok"] = observed["intake"] == observed["dashboard"] == (status, units)
    observed.update(mine=mine, board=board, seen=seen)
    return observed


def test_after_a_hand_off_intake_and_dashboard_both_say_assigned_with_the_same_stays(system):
    chain = ["YN-KM-01", "YN-KM", "YN-KM-CARDS"]
    with system.client("YN-KM") as branch:
        cid = post_complaint(system, branch, "YN-KM-01")
        wait_owned(system, branch, cid, "YN-KM-01")
        act_ok(
            system,
            branch,
            cid,
            "transfer_requested",
            "YN-KM-01",
            reason="beyond_authority",
            to_unit="YN-KM",
        )
        # The branch signs for it, then hands it to its cards department: back to `assigned`.
        accept(system, branch, cid, "YN-KM")
        act_ok(
            system,
            branch,
            cid,
            "transfer_requested",
            "YN-KM",
            reason="wrong_line",
            to_unit="YN-KM-CARDS",
        )
        both = wait_for(
            lambda: both_timelines(system, branch, cid, chain, "assigned"),
            what="intake and dashboard agreeing on the hand-offs",
        )
        mine, board, seen = both["mine"], both["board"], both["seen"]
    assert seen["owner_unit"] == "YN-KM-CARDS"
    for a, b in zip(mine["stays"], board["stays"], strict=True):
        assert datetime.fromisoformat(a["since"]) == datetime.fromisoformat(b["since"])
        assert (a["until"] is None) == (b["until"] is None)
    assert [(h["from_unit"], h["to_unit"]) for h in mine["handoffs"]] == [
        ("YN-KM-01", "YN-KM"),
        ("YN-KM", "YN-KM-CARDS"),
    ]


def test_owners_x_x_y_are_two_stays_in_intake_and_dashboard(system):
    """Routing never assigns a complaint to its current owner again (a transfer to oneself is
    rejected), so the repeated assignment is written into the log here, as a redelivered
    decision would be: a second `complaint.assigned` to the same owner, then a real hand-off."""
    with system.client("YN-KM") as branch:
        cid = post_complaint(system, branch, "YN-KM-01")
        wait_owned(system, branch, cid, "YN-KM-01")
        first = next(
            e
            for e in find_envelopes(system.bootstrap, cid)
            if e.type.startswith("complaint.assigned.")
        )
        again = ComplaintAssigned.model_validate(first.data | {"previous_owner": "YN-KM-01"})
        produce(
            system.bootstrap,
            Envelope(
                id=str(uuid4()),
                source="/tests",
                type=again.type_name(),
                subject=cid,
                time=first.time,
                data=again.model_dump(mode="json"),
                causation_id=first.causation_id,
                correlation_id=first.correlation_id,
            ),
        )
        wait_for(
            lambda: (
                len(events_of(system, branch, cid, "complaint.assigned")) == 2
                and len(
                    [
                        e
                        for e in (dashboard_timeline(system, branch, cid) or {"events": []})[
                            "events"
                        ]
                        if e["type"] == "complaint.assigned"
                    ]
                )
                == 2
            ),
            what="both projections to see the owner assigned twice",
        )
        act_ok(
            system,
            branch,
            cid,
            "transfer_requested",
            "YN-KM-01",
            reason="beyond_authority",
            to_unit="YN-KM",
        )
        both = wait_for(
            lambda: both_timelines(system, branch, cid, ["YN-KM-01", "YN-KM"], "assigned"),
            what="two stays in intake and in the dashboard",
        )
        mine, board = both["mine"], both["board"]
    assert mine["stays"][0]["until"] is not None and board["stays"][0]["until"] is not None


# e. ---------------------------------------------------------------------------------------


def test_a_restricted_case_is_seen_by_the_branch_above_and_not_by_a_sibling_branch(system):
    with system.client("YN-KM-01") as outlet:
        cid = post_complaint(
            system, outlet, "YN-KM-01", business_line="deposits", flags=["major_liability"]
        )
        wait_owned(system, outlet, cid, "YN-KM-01")
    with system.client("HQ") as hq:
        wait_for(
            lambda: (
                sla_clocks(system, hq, cid).json().get("clocks")
                and notifications(system, hq, cid).json().get("notifications")
            ),
            what="clocks and alerts of the restricted case",
        )
    with system.client("YN-KM") as branch:
        assert view(system, branch, cid).get("restricted") is True
        clocks = sla_clocks(system, branch, cid)
        alerts = notifications(system, branch, cid)
        assert clocks.status_code == 200 and clocks.json()["clocks"], clocks.text
        assert alerts.status_code == 200 and alerts.json()["notifications"], alerts.text
    with system.client("YN-DL") as sibling:
        assert_problem(sibling.get(system.url("intake", f"/v1/complaints/{cid}")), 404)
        assert_problem(sla_clocks(system, sibling, cid), 404)
        assert_problem(notifications(system, sibling, cid), 404)


# f. ---------------------------------------------------------------------------------------


def test_the_unit_a_breach_is_escalated_to_is_alerted(system):
    """A Kunming outlet's complaint handed to the branch two and a half hours ago (registered
    late): the branch's 2-hour `start` clock is overdue at once, routing escalates it to the
    branch's supervisor U, and the notifier tells U."""
    with system.client("YN-KM") as branch:
        cid = post_complaint(system, branch, "YN-KM-01", received_at=ago(hours=5))
        wait_owned(system, branch, cid, "YN-KM-01")
        act_ok(
            system,
            branch,
            cid,
            "transfer_requested",
            "YN-KM-01",
            reason="beyond_authority",
            to_unit="YN-KM",
            at=ago(hours=2, minutes=30),
        )
        escalation = wait_for(
            lambda: [
                e["data"]
                for e in events_of(system, branch, cid, "complaint.escalated")
                if e["data"]["from_unit"] == "YN-KM"
            ],
            what="routing's escalation of the branch's breached clock",
        )[0]
    target = escalation["to_unit"]
    assert target != "YN-KM"
    with system.client("HQ") as hq:

        def told() -> dict | None:
            alerts = notifications(system, hq, cid).json().get("notifications", [])
            units = {a["recipient_unit"] for a in alerts}
            return alerts if {target, "YN-KM"} <= units else None

        alerts = wait_for(told, what=f"the escalation told to {target} and the owner")
    assert any(a["recipient_unit"] == target and a["status"] == "sent" for a in alerts), alerts


# g. ---------------------------------------------------------------------------------------


def test_a_unit_lists_its_own_queue_with_the_next_due_clock(system):
    with system.client("YN-KM-01") as outlet:
        cid = post_complaint(system, outlet, "YN-KM-01")
        seen = wait_for(
            lambda: (
                (v := wait_owned(system, outlet, cid, "YN-KM-01"))
                and {"start", "resolve"} <= {c["name"] for c in v["clocks"]}
                and v
            ),
            what="the owner's clocks",
        )
        running = [c for c in seen["clocks"] if c["state"] in ("running", "breached")]
        earliest = min(datetime.fromisoformat(c["due_at"]) for c in running)

        def listed() -> dict | None:
            items = worklist(system, outlet, owner_unit="YN-KM-01")
            mine = [i for i in items if i["complaint_id"] == cid]
            return mine[0] if mine and mine[0].get("next_due") else None

        item = wait_for(listed, what="the complaint in the outlet's worklist")
    assert item["owner_unit"] == "YN-KM-01" and item["status"] == "assigned"
    assert item["receiving_unit"] == "YN-KM-01" and item["business_line"] == "cards"
    due = item["next_due"]
    assert set(due) >= {"clock", "due_at", "state", "owner_unit"}
    assert due["state"] in ("running", "breached")
    assert datetime.fromisoformat(due["due_at"]) == earliest


# h. ---------------------------------------------------------------------------------------


def test_due_times_come_back_in_the_units_offset_not_utc(system):
    received = (now() - timedelta(minutes=4)).isoformat().replace("+00:00", "Z")
    with system.client("YN-KM-01") as outlet:
        cid = post_complaint(system, outlet, "YN-KM-01", received_at=received)
        seen = wait_for(
            lambda: (
                (v := wait_owned(system, outlet, cid, "YN-KM-01"))
                and any(c["name"] == "resolve" for c in v["clocks"])
                and v
            ),
            what="the resolve clock in intake",
        )
        clocks = wait_for(
            lambda: sla_clocks(system, outlet, cid).json().get("clocks"), what="the SLA clocks"
        )
        due = outlet.get(
            system.url("sla-monitor", "/v1/sla/due"), params={"unit": "YN-KM-01", "within": "P30D"}
        ).json()
        alerts = wait_for(
            lambda: notifications(system, outlet, cid).json().get("notifications"),
            what="the owner's alert",
        )
    assert all(c.get("due_at") for c in seen["clocks"]), seen["clocks"]
    assert cid in {c["complaint_id"] for c in due["clocks"]}
    for where, answer in [
        ("intake", seen),
        ("sla-monitor clocks", clocks),
        ("sla-monitor due", due),
        ("notifier", alerts),
    ]:
        assert not_local(answer) == [], where
    assert seen["received_at"].endswith("+08:00")
    assert datetime.fromisoformat(seen["received_at"]) == datetime.fromisoformat(received)
