"""Who is told what, on the demo organisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.organisation import load_organisation
from notifier.domain import recipients as who
from notifier.domain.facts import ComplaintFacts
from notifier.domain.recipients import Recipient

ORG = load_organisation(Path(__file__).parents[4] / "deploy" / "demo" / "organisation.yaml")
STEPS = (timedelta(0), timedelta(minutes=30), timedelta(hours=2))
AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)


def units(recipients: list[Recipient]) -> list[str]:
    return [r.unit for r in recipients]


def received(unit: str = "YN-KM-01", **more) -> c.ComplaintReceived:
    fields = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": unit,
        "business_line": "cards",
        "received_at": AT,
        "customer": c.Customer(name="王**", phone="*********8000"),
        "summary": "s",
        "posted_by": unit,
    }
    return c.ComplaintReceived(**(fields | more))


def assigned(owner: str, **more) -> r.ComplaintAssigned:
    return r.ComplaintAssigned(
        owner_unit=owner, handling_level="branch", rule="t", reason="t", **more
    )


def escalated(from_unit: str, to_unit: str) -> r.ComplaintEscalated:
    return r.ComplaintEscalated(from_unit=from_unit, to_unit=to_unit, clock="resolve", reason="t")


def facts_of(*events, media: bool = False) -> ComplaintFacts:
    facts = ComplaintFacts(media=media)
    for event in events:
        facts = facts.observe(event, AT)
    return facts


KM01 = facts_of(received(), assigned("YN-KM-01"))
# Restricted: received and owned by the outlet, reported up to its branch.
RESTRICTED = facts_of(
    received(flags=["major_liability"]), assigned("YN-KM-01", reported_to=("YN-KM",))
)


def test_an_assignment_tells_the_new_owner_and_the_units_also_involved():
    facts = facts_of(received(), assigned("YN-KM-01", also_involved=("YN-KM-CARDS",)))
    told = who.on_assignment(ORG, facts, "YN-KM-01", ["YN-KM-CARDS"])
    assert [(r.unit, r.role) for r in told] == [("YN-KM-01", "owner"), ("YN-KM-CARDS", "involved")]


def test_a_media_case_also_tells_the_province_customer_service_department():
    facts = facts_of(received(), assigned("YN-CARDS"), media=True)
    assert units(who.on_assignment(ORG, facts, "YN-CARDS", [])) == ["YN-CARDS", "YN-CS"]
    # The department owning it already is told once.
    facts = facts_of(received(), assigned("YN-CS", also_involved=("YN-CARDS",)), media=True)
    assert units(who.on_assignment(ORG, facts, "YN-CS", ["YN-CARDS"])) == ["YN-CS", "YN-CARDS"]


def test_the_assignment_after_a_transfer_does_not_tell_the_new_owner_twice():
    transfer = r.ComplaintTransferred(from_unit="YN-KM-01", to_unit="YN-KM", reason="t", rule="t")
    facts = facts_of(received(), assigned("YN-KM-01"), transfer)
    facts = ComplaintFacts(state=facts.state, handoff_told="YN-KM")
    assert units(who.on_transfer(ORG, facts, "YN-KM")) == ["YN-KM"]
    assert units(who.on_assignment(ORG, facts, "YN-KM", [])) == []


def test_a_breach_tells_the_owner_only_and_a_media_cases_desk():
    assert [(r.unit, r.role) for r in who.on_breach(ORG, KM01, "YN-KM-01")] == [
        ("YN-KM-01", "owner")
    ]
    media = facts_of(received(), assigned("YN-KM-01"), media=True)
    assert [(r.unit, r.role) for r in who.on_breach(ORG, media, "YN-KM-01")] == [
        ("YN-KM-01", "owner"),
        ("YN-CS", "media_desk"),
    ]
    # A timer event names its clock's owner: involved even when its clock start was not seen.
    assert units(who.on_breach(ORG, ComplaintFacts(), "YN-KM-01")) == ["YN-KM-01"]


def escalation(facts: ComplaintFacts, from_unit: str, to_unit: str, *, owner_told: bool = True):
    facts = facts.observe(escalated(from_unit, to_unit), AT)
    told = who.on_escalation(
        ORG, facts, from_unit=from_unit, to_unit=to_unit, steps=STEPS, owner_told=owner_told
    )
    return [(t.unit, t.role, t.after) for t in told]


def test_an_escalated_branch_breach_tells_the_unit_routing_holds_accountable_then_wider():
    facts = facts_of(received("YN-KM"), assigned("YN-KM"))
    assert escalation(facts, "YN-KM", "YN-CS") == [
        ("YN-CS", "accountable", timedelta(0)),
        ("YN", "supervisor", timedelta(minutes=30)),
        ("YN-SUP", "province_supervision", timedelta(hours=2)),
    ]


def test_an_escalation_tells_the_owner_when_the_breach_did_not():
    assert escalation(KM01, "YN-KM-01", "YN-KM", owner_told=False) == [
        ("YN-KM", "accountable", timedelta(0)),
        ("YN-KM-01", "owner", timedelta(0)),
        ("YN", "supervisor", timedelta(minutes=30)),
        ("YN-SUP", "province_supervision", timedelta(hours=2)),
    ]


@pytest.mark.parametrize(
    ("owner", "to_unit", "told"),
    [
        pytest.param("YN-KM-01", "YN-KM", ["YN-KM", "YN", "YN-SUP"], id="outlet-to-branch"),
        pytest.param("YN-CARDS", "YN-SUP", ["YN-SUP", "YN"], id="to-the-line-itself-once"),
        pytest.param("YN-SUP", "HQ-QSG", ["HQ-QSG", "HQ"], id="line-to-head-office"),
        pytest.param("YN-KM-01", "NOWHERE", [], id="unknown-unit"),
    ],
)
def test_the_unit_escalated_to_is_told_exactly_once_at_once(owner, to_unit, told):
    facts = facts_of(received(owner), assigned(owner))
    result = escalation(facts, owner, to_unit)
    assert [unit for unit, _, _ in result] == told
    if to_unit in ORG:
        assert result[0] == (to_unit, "accountable", timedelta(0))


def test_a_unit_named_twice_keeps_its_earliest_step_and_first_role():
    recipients = [Recipient("YN", "supervisor", timedelta(hours=1)), Recipient("YN", "x")]
    assert who.audience(ORG, KM01, recipients) == [Recipient("YN", "supervisor", timedelta(0))]


def test_a_restricted_escalation_is_told_to_the_involved_units_and_those_above_only():
    # Escalated from the outlet to its branch: the branch and the province above it are told;
    # the province supervision line, not involved, is not.
    assert [u for u, _, _ in escalation(RESTRICTED, "YN-KM-01", "YN-KM")] == ["YN-KM", "YN"]
    told = who.audience(
        ORG,
        RESTRICTED,
        [Recipient(u, "x") for u in ("YN-KM-01", "YN-KM", "YN", "HQ", "YN-DL", "YN-SUP", "YN-CS")],
    )
    assert units(told) == ["YN-KM-01", "YN-KM", "YN", "HQ"]


def test_a_restricted_media_case_does_not_tell_an_uninvolved_media_desk():
    facts = facts_of(
        received(flags=["major_liability", "media_exposure"]), assigned("YN-KM-01"), media=True
    )
    assert units(who.on_breach(ORG, facts, "YN-KM-01")) == ["YN-KM-01"]


def test_the_receiving_unit_is_told_of_the_resolution_unless_it_resolved_it_itself():
    assert units(who.on_resolution(ORG, KM01, "YN-KM")) == ["YN-KM-01"]
    assert who.on_resolution(ORG, KM01, "YN-KM-01") == []
    assert who.on_resolution(ORG, ComplaintFacts(), "YN-KM") == []
