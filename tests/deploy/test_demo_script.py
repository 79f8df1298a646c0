"""The demo month of `make run` (devstack.demo_script): deterministic, complete, and valid by
construction: replayed through the shared fold, every action is one the shared authority rules
allow, and routing names the owners the script expects."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from complaints_shared.contracts.complaint_events import (
    UNIT_ACTIONS,
    ComplaintReceived,
    Customer,
)
from complaints_shared.contracts.routing_events import ComplaintAssigned
from complaints_shared.organisation import load_organisation
from complaints_shared.workflow import authority, lifecycle
from devstack.demo_script import (
    CATEGORIES,
    CHANNELS,
    EXTENSION,
    LINES,
    ComplaintPlan,
    month_plan,
)
from devstack.stack import DEMO_ORG
from routing.domain.model import RoutingFacts
from routing.domain.rules import route
from routing.domain.transfers import Decision, request_transfer

ORG = load_organisation(DEMO_ORG)
NOW = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
PLANS = month_plan(ORG, NOW)


def facts(plan: ComplaintPlan) -> RoutingFacts:
    r = plan.registration
    return RoutingFacts(
        kind=r["kind"],
        channel=r["channel"],
        receiving_unit=r["receiving_unit"],
        business_line=r["business_line"],
        severity=r["severity"],
        flags=frozenset(r["flags"]),
    )


def test_the_same_now_and_seed_give_the_same_month():
    assert month_plan(ORG, NOW) == PLANS
    assert month_plan(ORG, NOW, seed=1) != PLANS


def test_a_month_of_both_provinces_with_every_channel_category_and_line():
    assert 150 <= len(PLANS) <= 300
    registrations = [p.registration for p in PLANS]
    assert {r["channel"] for r in registrations} == set(CHANNELS)
    assert {r["category"] for r in registrations} == set(CATEGORIES)
    assert {r["business_line"] for r in registrations} == set(LINES)
    assert {p.receiving_unit.split("-")[0] for p in PLANS} == {"YN", "GD"}
    phones = Counter(r["customer"]["phone"] for r in registrations)
    assert any(n > 1 for n in phones.values()), "some customers complain again"
    assert any(r["customer"]["key_customer"] for r in registrations)
    actions = Counter(s.action for p in PLANS for s in p.steps)
    assert set(actions) == set(UNIT_ACTIONS), set(UNIT_ACTIONS) - set(actions)
    assert any(not p.steps for p in PLANS if NOW - p.received_at > timedelta(days=3))
    days = {p.received_at.date() for p in PLANS}
    assert len(days) >= 20


def test_times_are_ordered_after_the_receipt_and_in_the_past():
    for plan in PLANS:
        assert plan.received_at < NOW
        assert NOW - plan.received_at <= timedelta(days=31)
        times = [plan.received_at, *(s.at for s in plan.steps)]
        assert times == sorted(times), plan.key
        assert all(t < NOW for t in times), plan.key
        assert str(plan.received_at.utcoffset()) == "8:00:00"


def test_routing_names_the_expected_owners():
    for plan in PLANS:
        assert route(facts(plan), ORG).owner_unit == plan.expect_owner, plan.registration
        owners = [plan.expect_owner]
        for step in plan.steps:
            if step.action != "transfer_requested":
                continue
            decision = request_transfer(
                facts(plan),
                ORG,
                current_owner=owners[-1],
                requested_by=step.unit,
                reason=step.fields["reason"],
                to_unit=step.fields.get("to_unit"),
                history=tuple(owners),
            )
            assert isinstance(decision, Decision), (plan.key, decision)
            assert decision.owner_unit == step.expect_owner
            owners.append(decision.owner_unit)


def test_every_action_is_allowed_when_replayed_through_the_shared_fold():
    for plan in PLANS:
        r = plan.registration
        received = ComplaintReceived(
            kind=r["kind"],
            channel=r["channel"],
            receiving_unit=r["receiving_unit"],
            business_line=r["business_line"],
            category=r["category"],
            severity=r["severity"],
            flags=tuple(r["flags"]),
            received_at=plan.received_at,
            customer=Customer(name="x**", phone="*0000"),
            posted_by=plan.receiving_unit,
        )
        state = lifecycle.apply(lifecycle.ComplaintState(), received, plan.received_at)
        state = assign(state, plan.expect_owner, None, plan.received_at)
        extension_id = None
        for n, step in enumerate(plan.steps):
            body = step.body(extension_id)
            refused = authority.decide(
                ORG, state, caller=step.unit, unit=step.unit, action=step.action, data=body
            )
            assert refused is None, (plan.key, step.action, step.unit, refused)
            fields = {k: v for k, v in body.items() if k != "type"}
            event = UNIT_ACTIONS[step.action].model_validate(fields | {"posted_by": step.unit})
            event_id = f"{plan.key}-{n}"
            state = lifecycle.apply(state, event, step.at, event_id=event_id)
            if step.action == "extension_requested":
                extension_id = event_id
            if step.expect_owner is not None:
                state = assign(state, step.expect_owner, state.owner_unit, step.at)
        if any(s.fields.get("request_id") == EXTENSION for s in plan.steps):
            assert extension_id is not None


def assign(state, owner: str, previous: str | None, at: datetime):
    event = ComplaintAssigned(
        owner_unit=owner, handling_level="branch", rule="r", reason="r", previous_owner=previous
    )
    return lifecycle.apply(state, event, at)
