"""Who is told what (issue 5 item 1), on the demo organisation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from complaints_shared.organisation import load_organisation
from notifier.domain import recipients as who
from notifier.domain.recipients import ComplaintFacts, Recipient

ORG = load_organisation(Path(__file__).parents[4] / "deploy" / "demo" / "organisation.yaml")
STEPS = (timedelta(0), timedelta(minutes=30), timedelta(hours=2))


def units(recipients: list[Recipient]) -> list[str]:
    return [r.unit for r in recipients]


def test_an_assignment_tells_the_new_owner_and_the_units_also_involved():
    facts = ComplaintFacts(receiving_unit="YN-KM-01")
    told = who.on_assignment(ORG, facts, "YN-KM-01", ["YN-KM-CARDS"])
    assert [(r.unit, r.role) for r in told] == [("YN-KM-01", "owner"), ("YN-KM-CARDS", "involved")]


def test_a_media_case_also_tells_the_province_customer_service_department():
    facts = ComplaintFacts(receiving_unit="YN-KM-01", media=True)
    assert units(who.on_assignment(ORG, facts, "YN-CARDS", [])) == ["YN-CARDS", "YN-CS"]
    # The department owning it already is told once.
    assert units(who.on_assignment(ORG, facts, "YN-CS", ["YN-CARDS"])) == ["YN-CS", "YN-CARDS"]


def test_the_assignment_after_a_transfer_does_not_tell_the_new_owner_twice():
    facts = ComplaintFacts(receiving_unit="YN-KM-01", handoff_told="YN-KM")
    assert units(who.on_transfer(ORG, facts, "YN-KM")) == ["YN-KM"]
    assert units(who.on_assignment(ORG, facts, "YN-KM", [])) == []


def test_a_breach_widens_from_the_owner_to_the_unit_above_and_the_province_supervision_line():
    told = who.on_breach(ORG, ComplaintFacts(), "YN-KM-01", STEPS)
    assert [(r.unit, r.role, r.after) for r in told] == [
        ("YN-KM-01", "owner", timedelta(0)),
        ("YN-KM", "supervisor", timedelta(minutes=30)),
        ("YN-SUP", "province_supervision", timedelta(hours=2)),
    ]


@pytest.mark.parametrize(
    ("owner", "chain"),
    [
        pytest.param("YN-KM", ["YN-KM", "YN", "YN-SUP"], id="branch"),
        pytest.param("YN-SUP", ["YN-SUP", "YN"], id="the-supervision-line-itself-once"),
        pytest.param("HQ", ["HQ"], id="nobody-above-head-office"),
        pytest.param("NOWHERE", [], id="unknown-unit"),
    ],
)
def test_the_escalation_chain_of_each_level(owner, chain):
    assert units(who.on_breach(ORG, ComplaintFacts(), owner, STEPS)) == chain


def test_a_unit_named_twice_keeps_its_earliest_step():
    recipients = [Recipient("YN", "supervisor", timedelta(hours=1)), Recipient("YN", "x")]
    assert who.audience(ORG, ComplaintFacts(), recipients) == [
        Recipient("YN", "supervisor", timedelta(0))
    ]


def test_a_restricted_complaint_is_told_only_to_the_units_involved_and_head_office():
    facts = ComplaintFacts(
        receiving_unit="YN-KM-01", restricted=True, involved=frozenset({"YN-KM-01", "HQ-DIO"})
    )
    assert units(who.on_breach(ORG, facts, "YN-KM-01", STEPS)) == ["YN-KM-01"]
    chain = who.audience(ORG, facts, [Recipient("HQ", "x"), Recipient("YN-SUP", "y")])
    assert units(chain) == ["HQ"]


def test_the_receiving_unit_is_told_of_the_resolution_unless_it_resolved_it_itself():
    facts = ComplaintFacts(receiving_unit="YN-KM-01")
    assert units(who.on_resolution(ORG, facts, "YN-KM")) == ["YN-KM-01"]
    assert who.on_resolution(ORG, facts, "YN-KM-01") == []
    assert who.on_resolution(ORG, ComplaintFacts(), "YN-KM") == []


@pytest.mark.parametrize(
    ("caller", "restricted", "may"),
    [
        ("YN-KM-01", False, True),
        ("YN", False, True),
        ("GD", False, False),
        ("YN", True, False),
        ("YN-KM-01", True, True),
        ("HQ", True, True),
        ("nobody", False, False),
    ],
)
def test_who_may_read_a_complaints_alerts(caller, restricted, may):
    assert who.may_read(ORG, caller, {"YN-KM-01"}, restricted=restricted) is may
