"""Who may take which action in which status (the 404 → 403 → 409 order), as one named table.

Every row builds the complaint by folding real contract events with `lifecycle.apply`, asks
`authority.decide`, and compares with `expected`, which is written plainly from the business
rules (docs/workflow.md), without calling the workflow package, so that the two can disagree.

The complaint: received at the outlet YN-KM-01 (Kunming branch, province YN), business line
`cards`, routed to the Kunming cards department YN-KM-CARDS (a sibling of the outlet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from complaints_shared.contracts.complaint_events import (
    UNIT_ACTIONS,
    ComplaintReceived,
    Customer,
)
from complaints_shared.contracts.routing_events import ComplaintAssigned
from complaints_shared.contracts.sla_events import ClockStarted
from complaints_shared.organisation import Organisation, load_organisation
from complaints_shared.workflow import authority, lifecycle

DEMO = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "organisation.yaml"
ORG = load_organisation(DEMO)
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8)))

RECEIVING = "YN-KM-01"
OWNER = "YN-KM-CARDS"
# The units the rules name, for this complaint (all in the province YN).
HQ = "HQ"
PROVINCE = "YN"
PROVINCE_SUPERVISION = "YN-SUP"
PROVINCE_CS = "YN-CS"
BRANCH_SUPERVISION = "YN-KM-SUP"  # a supervision line of the receiving branch

CALLERS = {
    "owner": OWNER,
    "above_owner": "YN-KM",
    "sibling_of_owner": "YN-KM-LOANS",
    "receiving_unit": RECEIVING,
    "branch_supervision_line": BRANCH_SUPERVISION,
    "province": PROVINCE,
    "province_supervision_line": PROVINCE_SUPERVISION,
    "province_cs_department": PROVINCE_CS,
    "hq": HQ,
    "other_province_branch": "GD-GZ",
}

# --- the rules, written out plainly ---------------------------------------------------------

# The statuses each action is allowed in.
RULE_STATUSES: dict[str, set[str]] = {
    "accepted": {"assigned"},
    "handler_changed": {"assigned", "in_progress", "waiting_on_customer"},
    "transfer_requested": {"assigned", "in_progress", "waiting_on_customer"},
    "customer_contacted": {"in_progress", "waiting_on_customer"},
    "deadline_committed": {"in_progress", "waiting_on_customer"},
    "plan_decided": {"in_progress", "waiting_on_customer"},
    "waiting_on_customer": {"in_progress"},
    "customer_responded": {"waiting_on_customer"},
    "extension_requested": {"in_progress", "waiting_on_customer"},
    "extension_decided": {"in_progress", "waiting_on_customer"},  # while a request is pending
    "classified": {"in_progress", "waiting_on_customer", "resolved", "closed"},
    "resolved": {"in_progress", "waiting_on_customer"},
    "return_visit_recorded": {"resolved", "closed"},
    "reopened": {"resolved", "closed"},
    "closed": {"resolved"},
    "note": {
        "received",
        "assigned",
        "in_progress",
        "waiting_on_customer",
        "resolved",
        "closed",
    },
}
# Actions only the owner or a unit above it may take.
OWNER_ACTIONS = {
    "accepted",
    "handler_changed",
    "transfer_requested",
    "customer_contacted",
    "deadline_committed",
    "plan_decided",
    "waiting_on_customer",
    "customer_responded",
    "extension_requested",
    "resolved",
    "closed",
}


@dataclass(frozen=True)
class Case:
    """What the rules need to know of the complaint, stated by hand (not read from the fold)."""

    status: str
    owner: str | None
    involved: frozenset[str]
    restricted: bool = False
    visit_due: bool = False


def self_and_above(org: Organisation, unit: str) -> list[str]:
    chain = []
    current: str | None = unit
    while current is not None and current in org:
        chain.append(current)
        current = org.unit(current).parent
    return chain


def in_province_yn(org: Organisation, unit: str) -> bool:
    return PROVINCE in self_and_above(org, unit)


def rule_sees(org: Organisation, unit: str, case: Case) -> bool:
    """A unit sees what involves itself or a unit below it; HQ sees everything; the province's
    supervision line and customer-service department see every unrestricted complaint of the
    province."""
    if unit == HQ:
        return True
    if any(unit in self_and_above(org, involved) for involved in case.involved):
        return True
    if case.restricted:
        return False
    return unit in (PROVINCE_SUPERVISION, PROVINCE_CS) and any(
        in_province_yn(org, involved) for involved in case.involved
    )


def rule_may_take(
    org: Organisation, action: str, classification: str | None, unit: str, case: Case
) -> bool | None:
    """Whether `unit` is among those who may take the action; None while there is no owner to
    judge by."""
    if action in OWNER_ACTIONS or (action == "classified" and classification == "valid"):
        if case.owner is None:
            return None
        return unit in self_and_above(org, case.owner)
    if action == "classified":  # special: only the province, or HQ
        return unit in (PROVINCE, PROVINCE_CS, PROVINCE_SUPERVISION, HQ)
    if action == "return_visit_recorded":
        return unit in (PROVINCE_SUPERVISION, BRANCH_SUPERVISION, PROVINCE_CS, HQ)
    if action == "reopened":
        return unit in (RECEIVING, PROVINCE_SUPERVISION, PROVINCE, HQ)
    if action == "note":  # any unit that may see the complaint
        return rule_sees(org, unit, case)
    if action == "extension_decided":  # the owner's province supervision line or its parent
        if case.owner is None:
            return None
        parent = org.unit(case.owner).parent
        return unit != case.owner and unit in (PROVINCE_SUPERVISION, parent)
    raise AssertionError(f"the rules do not name the action {action!r}")


def expected(
    org: Organisation,
    action: str,
    classification: str | None,
    caller: str,
    unit: str,
    case: Case,
) -> str:
    """'allowed', '404', '403', '409', or '409-retry' (no owner yet: ask again later)."""
    if not rule_sees(org, caller, case):
        return "404"
    if caller not in self_and_above(org, unit):  # it acts as itself or a unit below it
        return "403"
    may = rule_may_take(org, action, classification, unit, case)
    if may is False:
        return "403"
    if may is None:
        return "409-retry"
    if case.status not in RULE_STATUSES[action]:
        return "409"
    if action == "closed" and case.visit_due:
        return "409"
    if action == "extension_decided":  # none of these complaints has a pending request
        return "404"
    return "allowed"


# --- complaints built from contract events --------------------------------------------------


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def received(restricted: bool) -> ComplaintReceived:
    return ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit=RECEIVING,
        business_line="cards",
        severity="major" if restricted else "normal",
        flags=("major_liability",) if restricted else (),
        received_at=T0,
        customer=Customer(name="Test Customer", phone="13800000000"),
        summary="card swallowed by the machine",
        posted_by=RECEIVING,
    )


def action_event(name: str, unit: str, minutes: int, **data):
    return UNIT_ACTIONS[name](unit=unit, at=at(minutes), posted_by=unit, **data)


def return_visit_clock() -> ClockStarted:
    return ClockStarted(
        clock="return_visit",
        owner_unit=PROVINCE_SUPERVISION,
        handling_level=None,
        started_at=at(60),
        due_at=at(60 + 3 * 24 * 60),
        budget_seconds=3 * 7 * 3600,
        calendar="cn",
    )


def events_to(status: str, restricted: bool, visit_due: bool) -> list:
    events: list = [received(restricted)]
    if status == "received":
        return events
    events.append(
        ComplaintAssigned(
            owner_unit=OWNER,
            handling_level="branch",
            rule="line_department",
            reason="handled by business line",
            restricted=restricted,
        )
    )
    if status == "assigned":
        return events
    events.append(action_event("accepted", OWNER, 10, handler={"id": "h1", "name": "Li"}))
    if status == "in_progress":
        return events
    if status == "waiting_on_customer":
        return [*events, action_event("waiting_on_customer", OWNER, 20)]
    events.append(action_event("resolved", OWNER, 30, reply="card returned"))
    if visit_due:
        events.append(return_visit_clock())
    if status == "resolved":
        return events
    assert status == "closed"
    return [*events, action_event("closed", OWNER, 40)]


def fold(events: list) -> lifecycle.ComplaintState:
    state = lifecycle.ComplaintState()
    for index, event in enumerate(events):
        state = lifecycle.apply(state, event, at(index))
    return state


def case_of(status: str, restricted: bool = False, visit_due: bool = False) -> Case:
    involved = {RECEIVING} if status == "received" else {RECEIVING, OWNER}
    if visit_due:
        involved.add(PROVINCE_SUPERVISION)  # it owns the return-visit clock
    return Case(
        status=status,
        owner=None if status == "received" else OWNER,
        involved=frozenset(involved),
        restricted=restricted,
        visit_due=visit_due,
    )


# name -> (case, how to build it)
SCENARIOS: dict[str, tuple[Case, tuple[str, bool, bool]]] = {
    **{s: (case_of(s), (s, False, False)) for s in lifecycle.STATUSES},
    "resolved+visit_due": (case_of("resolved", visit_due=True), ("resolved", False, True)),
    "restricted.received": (case_of("received", True), ("received", True, False)),
    "restricted.in_progress": (case_of("in_progress", True), ("in_progress", True, False)),
    "restricted.resolved+visit_due": (
        case_of("resolved", True, True),
        ("resolved", True, True),
    ),
}
STATES = {name: fold(events_to(*build)) for name, (_, build) in SCENARIOS.items()}


def variants(action: str) -> list[tuple[str | None, str]]:
    """(classification, label) per action: `classified` is two rows, valid and special."""
    if action == "classified":
        return [("valid", "classified_valid"), ("special", "classified_special")]
    return [(None, action)]


# Rows where the implementation disagrees with the rules: row id -> what the rules say.
DISAGREEMENTS: dict[str, str] = {}


def rows() -> list:
    params = []

    def add(name: str, action: str, classification, label: str, caller: str, unit: str, who):
        row_id = f"{name}|{label}|{who}"
        marks = ()
        if row_id in DISAGREEMENTS:
            marks = (pytest.mark.xfail(strict=True, reason=DISAGREEMENTS[row_id]),)
        params.append(
            pytest.param(name, action, classification, caller, unit, id=row_id, marks=marks)
        )

    for name in SCENARIOS:
        for action in authority.ACTIONS:
            for classification, label in variants(action):
                for who, unit in CALLERS.items():
                    add(name, action, classification, label, unit, unit, who)
    # Acting on behalf of another unit: allowed only for a unit below the caller.
    on_behalf = [
        ("assigned", "accepted", "YN-KM", OWNER),
        ("in_progress", "resolved", "HQ", OWNER),
        ("resolved", "reopened", "YN-KM", RECEIVING),
        ("resolved", "return_visit_recorded", PROVINCE, PROVINCE_SUPERVISION),
        ("resolved", "return_visit_recorded", "YN-KM", BRANCH_SUPERVISION),
        ("in_progress", "accepted", OWNER, "YN-KM"),
        ("in_progress", "note", OWNER, "YN-KM"),
        ("in_progress", "resolved", "YN-KM", "YN-KM-LOANS"),
        ("in_progress", "note", "YN-KM", "YN-KM-LOANS"),
        ("in_progress", "resolved", "GD-GZ", OWNER),
        ("in_progress", "note", "NO-SUCH-UNIT", "NO-SUCH-UNIT"),
        ("restricted.in_progress", "note", PROVINCE, PROVINCE_SUPERVISION),
        ("restricted.in_progress", "resolved", PROVINCE, OWNER),
    ]
    for name, action, caller, unit in on_behalf:
        add(name, action, None, action, caller, unit, f"{caller} as {unit}")
    return params


def outcome(refused: authority.Refused | None) -> str:
    if refused is None:
        return "allowed"
    if refused.status == 409 and refused.retry:
        return "409-retry"
    return str(refused.status)


@pytest.mark.parametrize(("scenario", "action", "classification", "caller", "unit"), rows())
def test_authority(scenario: str, action: str, classification, caller: str, unit: str) -> None:
    case, _ = SCENARIOS[scenario]
    state = STATES[scenario]
    data = {"classification": classification} if classification else {}
    refused = authority.decide(ORG, state, caller=caller, unit=unit, action=action, data=data)
    want = expected(ORG, action, classification, caller, unit, case)
    assert outcome(refused) == want, refused
    if refused is not None and refused.status == 409:
        assert refused.complaint_status == case.status
        assert set(refused.allowed_actions) == {
            a for a, statuses in RULE_STATUSES.items() if case.status in statuses
        } & set(authority.ACTIONS)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_folded_states_are_the_cases_described(name: str) -> None:
    case, _ = SCENARIOS[name]
    state = STATES[name]
    assert state.status == case.status
    assert state.owner_unit == case.owner
    assert set(state.involved) == set(case.involved)
    assert state.restricted == case.restricted


@pytest.mark.parametrize("status", lifecycle.STATUSES)
def test_allowed_actions_follow_the_rules(status: str) -> None:
    assert set(authority.allowed_actions(status)) == {
        a for a in authority.ACTIONS if status in RULE_STATUSES[a]
    }


def test_the_rules_know_every_action_of_the_table() -> None:
    assert set(authority.ACTIONS) <= set(RULE_STATUSES)


def test_every_action_of_the_rules_is_in_the_table() -> None:
    assert {"extension_requested", "extension_decided"} <= set(authority.ACTIONS)


def test_every_action_of_the_table_has_a_contract_event() -> None:
    assert set(authority.ACTIONS) <= set(UNIT_ACTIONS)


def test_a_complaint_without_an_owner_asks_to_retry_owner_actions() -> None:
    state = STATES["received"]
    refused = authority.decide(ORG, state, caller="YN-KM", unit="YN-KM", action="accepted")
    assert refused is not None and refused.status == 409 and refused.retry
    assert refused.complaint_status == "received"
    assert list(refused.allowed_actions) == ["note"]


def test_closing_with_a_return_visit_due_names_the_status() -> None:
    state = STATES["resolved+visit_due"]
    refused = authority.decide(ORG, state, caller=OWNER, unit=OWNER, action="closed")
    assert refused is not None and refused.status == 409 and not refused.retry
    assert refused.complaint_status == "resolved"
    assert "closed" in refused.allowed_actions
