"""Routing through the running services: owners, levels and hand-offs (docs/domain.md#routing)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from complaints_shared.testing import wait_for

pytestmark = pytest.mark.e2e


def body(**overrides) -> dict:
    return {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": "YN-KM-01",
        "business_line": "cards",
        "severity": "normal",
        "flags": [],
        "received_at": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(),
        "customer": {"name": "赵六", "phone": "13600000000"},
        "summary": "routing scenario",
    } | overrides


def post(system, client, **overrides) -> str:
    response = client.post(system.url("intake", "/v1/complaints"), json=body(**overrides))
    assert response.status_code == 202, response.text
    return response.json()["complaint_id"]


def owned(system, client, cid: str, owner: str) -> dict:
    def check() -> dict | None:
        view = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
        return view if view.get("owner_unit") == owner else None

    return wait_for(check, what=f"{cid} owned by {owner}")


def timeline(system, client, cid: str) -> dict:
    return client.get(system.url("intake", f"/v1/complaints/{cid}/timeline")).json()


def test_a_hotline_complaint_is_handed_on_to_the_assistance_line_and_reported(system):
    with system.client("YN") as client:
        cid = post(system, client, channel="hotline", receiving_unit="YN-HOT")
        view = owned(system, client, cid, "YN-AST")
        assert view["handling_level"] == "province"
        events = wait_for(
            lambda: [
                e
                for e in timeline(system, client, cid)["events"]
                if e["type"] == "complaint.reported"
            ],
            what="the receipt reported to the supervision line",
        )
    assert [e["data"]["to_unit"] for e in events] == ["YN-SUP"]


def test_a_branch_complaint_beyond_its_authority_is_transferred_to_the_branch(system):
    with system.client("YN-KM-01") as client:
        cid = post(system, client)
        owned(system, client, cid, "YN-KM-01")
        action = {
            "type": "transfer_requested",
            "unit": "YN-KM-01",
            "at": datetime.now(UTC).isoformat(),
            "reason": "beyond_authority",
        }
        response = client.post(system.url("intake", f"/v1/complaints/{cid}/events"), json=action)
        assert response.status_code == 202, response.text
        view = owned(system, client, cid, "YN-KM")
        assert view["handling_level"] == "branch"
        history = timeline(system, client, cid)
    assert history["handoffs"][0] | {"at": None} == {
        "from_unit": "YN-KM-01",
        "to_unit": "YN-KM",
        "why": "beyond_authority",
        "at": None,
    }
    assert [stay["unit"] for stay in history["stays"]] == ["YN-KM-01", "YN-KM"]
    assert history["stays"][0]["until"] is not None


def test_a_transfer_to_oneself_is_rejected_and_recorded(system):
    with system.client("YN-KM-01") as client:
        cid = post(system, client)
        owned(system, client, cid, "YN-KM-01")
        action = {
            "type": "transfer_requested",
            "unit": "YN-KM-01",
            "at": datetime.now(UTC).isoformat(),
            "reason": "wrong_line",
            "to_unit": "YN-KM-01",
        }
        client.post(system.url("intake", f"/v1/complaints/{cid}/events"), json=action)
        rejected = wait_for(
            lambda: [
                e
                for e in timeline(system, client, cid)["events"]
                if e["type"] == "complaint.transfer_rejected"
            ],
            what="the rejection in the log",
        )
        view = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
    assert rejected[0]["data"]["rule"] == "self_transfer"
    assert view["owner_unit"] == "YN-KM-01"


def test_a_major_case_at_the_assistance_line_goes_to_the_supervision_line(system):
    with system.client("YN") as client:
        cid = post(
            system,
            client,
            channel="assistance_line",
            receiving_unit="YN-AST",
            business_line="loans",
            severity="major",
        )
        view = owned(system, client, cid, "YN-SUP")
    assert view["handling_level"] == "supervision"


def test_a_discipline_case_goes_to_the_hq_discipline_office(system):
    with system.client("YN-KM") as client:
        cid = post(
            system, client, receiving_unit="YN-KM", business_line="deposits", flags=["discipline"]
        )
        view = owned(system, client, cid, "HQ-DIO")
        kinds = Counter(e["type"] for e in timeline(system, client, cid)["events"])
    assert view["handling_level"] == "hq"
    assert kinds["complaint.assigned"] == 1


def test_a_breached_resolve_clock_is_escalated_to_the_owners_supervisor(system):
    with system.client("YN-KM") as client:
        cid = post(system, client, received_at="2026-11-16T10:00:00+08:00")  # long overdue
        escalations = wait_for(
            lambda: [
                e
                for e in timeline(system, client, cid)["events"]
                if e["type"] == "complaint.escalated" and e["data"]["clock"] == "resolve"
            ],
            what="an escalation of the resolve clock",
        )
        view = client.get(system.url("intake", f"/v1/complaints/{cid}")).json()
    assert escalations[0]["data"] | {"reason": None} == {
        "from_unit": "YN-KM-01",
        "to_unit": "YN-KM",
        "clock": "resolve",
        "reason": None,
    }
    assert view["owner_unit"] == "YN-KM-01"
    assert "YN-KM" in view["units_involved"]
    assert [c["state"] for c in view["clocks"] if c["name"] == "resolve"] == ["breached"]


def test_routing_explains_every_rule_it_considered(system):
    with system.client("YN") as client:
        response = client.get(
            system.url("routing", "/v1/routing/explain"),
            params={"receiving_unit": "YN-HOT", "business_line": "cards", "channel": "hotline"},
        )
        stranger = system.client("GD").get(
            system.url("routing", "/v1/routing/explain"),
            params={"receiving_unit": "YN-HOT", "business_line": "cards", "channel": "hotline"},
        )
    assert response.status_code == 200, response.text
    explanation = response.json()
    assert explanation["owner_unit"] == "YN-AST"
    assert explanation["rule"] == "hotline_hand_on"
    fired = [c["rule"] for c in explanation["considered"] if c["fired"]]
    assert fired[0] == "hotline_hand_on"
    assert len(explanation["considered"]) >= 10
    assert stranger.status_code == 403


def test_a_restricted_case_is_seen_up_its_chain_and_hidden_from_siblings(system):
    """Confidential: the units involved and every unit above one of them see it; a sibling
    outlet, a sibling branch and the province's supervision line (not involved) do not."""
    with system.client("YN-KM-01") as client:
        cid = post(system, client, business_line="deposits", flags=["major_liability"])
        view = owned(system, client, cid, "YN-KM-01")
    assert view["restricted"] is True
    for unit, status in [
        ("YN-KM", 200),  # above the outlet that received and owns it
        ("YN", 200),  # reported to at once
        ("HQ", 200),
        ("YN-KM-02", 404),  # a sibling outlet
        ("YN-DL", 404),  # a sibling branch
        ("YN-SUP", 404),  # sees its province's complaints, but not a confidential one
    ]:
        with system.client(unit) as reader:
            response = reader.get(system.url("intake", f"/v1/complaints/{cid}"))
            assert response.status_code == status, unit
