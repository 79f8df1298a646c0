"""What the notifier remembers of a complaint: the shared lifecycle fold, and its breaches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.organisation import load_organisation
from complaints_shared.workflow.visibility import may_see
from notifier.domain.facts import Breach, ComplaintFacts

ORG = load_organisation(Path(__file__).parents[4] / "deploy" / "demo" / "organisation.yaml")
AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)


def received(flags: list[str]) -> c.ComplaintReceived:
    return c.ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit="YN-KM-01",
        business_line="cards",
        received_at=AT,
        flags=flags,
        customer=c.Customer(name="王**", phone="*********8000"),
        summary="s",
        posted_by="YN-KM-01",
    )


def started(owner: str) -> s.ClockStarted:
    return s.ClockStarted(
        clock="resolve",
        owner_unit=owner,
        started_at=AT,
        due_at=AT + timedelta(hours=7),
        budget_seconds=7 * 3600,
        calendar="cn",
    )


def folded(*events) -> ComplaintFacts:
    facts = ComplaintFacts()
    for event in events:
        facts = facts.observe(event, AT)
    return facts


def test_the_facts_fold_every_event_that_involves_a_unit():
    facts = folded(
        received([]),
        r.ComplaintAssigned(owner_unit="YN-KM-01", handling_level="branch", rule="t", reason="t"),
        started("YN-KM-01"),
        r.ComplaintEscalated(from_unit="YN-KM-01", to_unit="YN-KM", clock="resolve", reason="t"),
        r.ComplaintReported(to_unit="YN-SUP", by_unit="YN-KM", reason="t"),
        c.ComplaintAccepted(unit="YN-KM-01", at=AT, posted_by="YN-KM-01"),
    )
    assert facts.state.involved == ("YN-KM-01", "YN-KM", "YN-SUP")
    assert facts.state.status == "in_progress" and facts.state.owner_unit == "YN-KM-01"
    assert facts.receiving_unit == "YN-KM-01" and not facts.restricted
    assert facts.state.running_clocks == ("resolve",)


def test_an_event_that_changes_nothing_leaves_the_facts_as_they_were():
    facts = folded(received([]))
    note = c.NoteAdded(unit="YN-KM-01", at=AT, posted_by="YN-KM-01", text="n")
    assert facts.observe(note, AT) is facts


# Restricted: received at an outlet, owned by it, escalated to its branch.
RESTRICTED = folded(
    received(["major_liability"]),
    r.ComplaintAssigned(owner_unit="YN-KM-01", handling_level="branch", rule="t", reason="t"),
    r.ComplaintEscalated(from_unit="YN-KM-01", to_unit="YN-KM", clock="resolve", reason="t"),
)


@pytest.mark.parametrize(
    ("caller", "sees"),
    [
        ("YN-KM-01", True),  # involved
        ("YN-KM", True),  # escalated to
        ("YN", True),  # above an involved unit
        ("HQ", True),
        ("YN-KM-02", False),  # a sibling outlet
        ("YN-DL", False),  # a sibling branch
        ("YN-SUP", False),  # the province supervision line, not involved
        ("YN-CS", False),  # nor its customer-service department
        ("YN-KM-CARDS", False),  # below an involved unit, not involved itself
        ("GD", False),
        ("nobody", False),
    ],
)
def test_who_sees_a_restricted_complaint(caller, sees):
    assert RESTRICTED.restricted
    assert may_see(ORG, caller, RESTRICTED.state.involvement) is sees


def test_the_province_supervision_line_sees_an_unrestricted_complaint_of_its_province():
    facts = folded(received([]))
    assert may_see(ORG, "YN-SUP", facts.state.involvement)
    assert not may_see(ORG, "GD-SUP", facts.state.involvement)


def test_a_stopped_clock_marks_its_breach_once():
    breach = Breach("YN-KM-01", AT)
    facts = ComplaintFacts().with_breach("resolve", breach)
    stopped = facts.clock_stopped("resolve", AT + timedelta(hours=1))
    assert stopped.breach_of("resolve") == Breach(
        "YN-KM-01", AT, stopped_at=AT + timedelta(hours=1)
    )
    assert stopped.clock_stopped("resolve", AT + timedelta(hours=2)) is stopped
    assert facts.clock_stopped("start", AT) is facts
