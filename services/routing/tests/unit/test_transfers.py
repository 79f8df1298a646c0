"""Transfers over the demo organisation: where each reason leads, and every refusal
(docs/domain.md#transfers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from complaints_shared.organisation import load_organisation
from routing.domain.rules import (
    MAX_TRANSFERS,
    Decision,
    RoutingFacts,
    TransferRefusal,
    request_transfer,
)

DEMO = Path(__file__).resolve().parents[4] / "deploy" / "demo" / "organisation.yaml"
ORG = load_organisation(DEMO)


def transfer(
    owner: str,
    reason: str,
    to_unit: str | None = None,
    *,
    line: str = "cards",
    by: str | None = None,
    history: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> Decision | TransferRefusal:
    facts = RoutingFacts("complaint", "on_site", "YN-KM-01", line, "normal", frozenset(flags))
    return request_transfer(
        facts,
        ORG,
        current_owner=owner,
        requested_by=by or owner,
        reason=reason,
        to_unit=to_unit,
        history=history or (owner,),
    )


@pytest.mark.parametrize(
    ("owner", "reason", "line", "new_owner", "level"),
    [
        pytest.param("YN-KM-01", "beyond_authority", "cards", "YN-KM", "branch",
                     id="beyond authority: outlet -> the branch's service management"),
        pytest.param("YN-KM-CARDS", "beyond_authority", "cards", "YN-KM", "branch",
                     id="beyond authority: branch department -> the branch"),
        pytest.param("YN-KM-AST", "beyond_authority", "cards", "YN-KM", "branch",
                     id="beyond authority: branch assistance line -> the branch"),
        pytest.param("YN-KM", "beyond_authority", "loans", "YN-LOANS", "province",
                     id="beyond authority: branch -> the province's line department"),
        pytest.param("YN-CARDS", "beyond_authority", "cards", "YN-SUP", "supervision",
                     id="beyond authority: province department -> supervision line"),
        pytest.param("YN-AST", "beyond_authority", "cards", "YN-SUP", "supervision",
                     id="beyond authority: province assistance line -> supervision line"),
        pytest.param("YN-SUP", "beyond_authority", "cards", "HQ-QSG", "hq",
                     id="beyond authority: supervision line -> HQ quality group"),
        pytest.param("YN-KM-01", "needs_coordination", "cards", "YN-SUP", "supervision",
                     id="needs coordination: outlet -> province supervision line"),
        pytest.param("GD-GZ-LOANS", "needs_coordination", "loans", "GD-SUP", "supervision",
                     id="needs coordination: branch department -> its province's line"),
        pytest.param("YN-KM-01", "wrong_line", "loans", "YN-KM-LOANS", "branch",
                     id="wrong line: outlet -> the branch department of the line"),
        pytest.param("YN-KM-CARDS", "wrong_line", "deposits", "YN-KM-DEPOSITS", "branch",
                     id="wrong line: branch department -> its sibling"),
        pytest.param("YN-CARDS", "wrong_line", "loans", "YN-LOANS", "province",
                     id="wrong line: province department -> its sibling"),
        pytest.param("YN-CS", "wrong_line", "logistics", "YN-LOGISTICS", "province",
                     id="wrong line: customer-service department -> the line department"),
    ],
)  # fmt: skip
def test_a_reason_leads_to_the_next_owner(owner, reason, line, new_owner, level):
    decision = transfer(owner, reason, line=line)
    assert isinstance(decision, Decision), decision
    assert (decision.owner_unit, decision.handling_level) == (new_owner, level)
    assert decision.rule == f"transfer_{reason}"
    assert decision.extra == {"from_unit": owner, "requested_by": owner, "transfer_reason": reason}


@pytest.mark.parametrize(
    ("owner", "reason", "to_unit", "by", "new_owner"),
    [
        pytest.param("YN-KM-CARDS", "customer asked", "YN-KM-01", None, "YN-KM-01",
                     id="down within the branch"),
        pytest.param("YN-KM-01", "beyond_authority", "YN-KM-AST", None, "YN-KM-AST",
                     id="up to the branch's assistance line"),
        pytest.param("YN-AST", "investigated", "YN-DL-CARDS", None, "YN-DL-CARDS",
                     id="the province assistance line hands to the responsible branch"),
        pytest.param("YN-SUP", "designated", "YN-QJ-CARDS", None, "YN-QJ-CARDS",
                     id="the supervision line designates a branch department"),
        pytest.param("YN-SUP", "major", "HQ-QSG", None, "HQ-QSG",
                     id="the supervision line hands a major case to HQ"),
        pytest.param("YN-KM-01", "staff discipline found", "HQ-DIO", None, "HQ-DIO",
                     id="discipline office from anywhere"),
        pytest.param("YN-KM-01", "province moves it", "YN-DL-01", "YN", "YN-DL-01",
                     id="a unit above the owner moves it within its reach"),
        pytest.param("HQ-DIO", "discipline cleared", "YN-KM-CARDS", None, "YN-KM-CARDS",
                     id="HQ hands back down"),
    ],
)  # fmt: skip
def test_an_explicit_target_the_rules_allow(owner, reason, to_unit, by, new_owner):
    decision = transfer(owner, reason, to_unit, by=by)
    assert isinstance(decision, Decision), decision
    assert decision.owner_unit == new_owner
    assert decision.rule == "transfer_to_unit"


@pytest.mark.parametrize(
    ("owner", "reason", "to_unit", "by", "line", "code"),
    [
        pytest.param("YN-KM-01", "x", "YN-KM-01", None, "cards", "self_transfer", id="to oneself"),
        pytest.param("YN-KM-CARDS", "wrong_line", None, None, "cards", "self_transfer",
                     id="wrong line, but the owner covers it"),
        pytest.param("YN-SUP", "needs_coordination", None, None, "cards", "self_transfer",
                     id="coordination already at the supervision line"),
        pytest.param("YN-KM-01", "x", "NOWHERE", None, "cards", "unknown_unit",
                     id="unknown target"),
        pytest.param("NOWHERE", "x", "YN-KM", None, "cards", "unknown_unit", id="unknown owner"),
        pytest.param("YN-KM-01", "x", "YN-KM", "NOWHERE", "cards", "unknown_unit",
                     id="unknown requester"),
        pytest.param("YN-KM-01", "x", "YN-KM", "YN-DL", "cards", "not_owner",
                     id="requested by another branch"),
        pytest.param("YN-KM-01", "x", "YN-KM", "YN-KM-02", "cards", "not_owner",
                     id="requested by a sibling outlet"),
        pytest.param("YN-KM-01", "x", "YN-DL-01", None, "cards", "against_hierarchy",
                     id="sideways into another branch"),
        pytest.param("YN-KM-01", "x", "YN-DL", None, "cards", "against_hierarchy",
                     id="up into another branch"),
        pytest.param("YN-KM", "x", "GD-GZ", None, "cards", "against_hierarchy",
                     id="into another province"),
        pytest.param("YN-CARDS", "x", "GD-CARDS", None, "cards", "against_hierarchy",
                     id="province department into another province"),
        pytest.param("YN-KM-01", "x", "HQ-QSG", None, "cards", "against_hierarchy",
                     id="HQ quality group only from a supervision line"),
        pytest.param("YN-KM-SUP", "x", "HQ-QSG", None, "cards", "against_hierarchy",
                     id="not from a branch supervision line"),
        pytest.param("YN-SUP", "x", "HQ", None, "cards", "against_hierarchy",
                     id="head office itself takes no transfers"),
        pytest.param("YN-KM", "beyond_authority", "YN-KM-01", None, "cards", "against_hierarchy",
                     id="beyond authority cannot go down"),
        pytest.param("YN-KM-01", "x", "YN-KM-HOT", None, "cards", "not_a_handling_unit",
                     id="a hotline never owns"),
        pytest.param("YN-KM-01", "x", "YN-KM-LOANS", None, "cards", "does_not_cover_line",
                     id="a department of another line"),
        pytest.param("YN-KM-CARDS", "x", "YN-KM-01", None, "loans", "does_not_cover_line",
                     id="an outlet without the line"),
        pytest.param("YN-KM-01", "tired", None, None, "cards", "unknown_reason",
                     id="unknown reason and no target"),
        pytest.param("HQ-QSG", "beyond_authority", None, None, "cards", "no_target",
                     id="nobody above HQ"),
        pytest.param("HQ-DIO", "needs_coordination", None, None, "cards", "no_target",
                     id="no province supervision line above HQ"),
    ],
)  # fmt: skip
def test_a_transfer_the_rules_refuse(owner, reason, to_unit, by, line, code):
    rejected = transfer(owner, reason, to_unit, by=by, line=line)
    assert isinstance(rejected, TransferRefusal), rejected
    assert rejected.rule == code
    assert rejected.reason


def test_a_unit_may_not_receive_the_complaint_again_from_above():
    rejected = transfer("YN-KM", "x", "YN-KM-01", history=("YN-KM-01", "YN-KM"))
    assert isinstance(rejected, TransferRefusal)
    assert rejected.rule == "loop"


def test_a_unit_may_not_receive_it_again_sideways():
    history = ("YN-KM-CARDS", "YN-KM-LOANS")
    rejected = transfer("YN-KM-LOANS", "x", "YN-KM-CARDS", history=history)
    assert isinstance(rejected, TransferRefusal) and rejected.rule == "loop"


def test_a_case_handed_down_may_come_back_up():
    # The province hands to the responsible branch; beyond its authority it returns.
    history = ("YN-CARDS", "YN-KM-CARDS")
    decision = transfer("YN-KM-CARDS", "beyond_authority", "YN-CARDS", history=history)
    assert isinstance(decision, Decision)
    assert decision.owner_unit == "YN-CARDS"


def test_history_may_or_may_not_end_with_the_owner():
    with_owner = transfer("YN-KM-01", "beyond_authority", history=("YN-KM-01",))
    without = transfer("YN-KM-01", "beyond_authority", history=())
    assert with_owner == without


def test_the_number_of_hand_offs_is_capped():
    owners = tuple(f"U{i}" for i in range(MAX_TRANSFERS)) + ("YN-KM-01",)
    rejected = transfer("YN-KM-01", "beyond_authority", history=owners)
    assert isinstance(rejected, TransferRefusal) and rejected.rule == "too_many_transfers"
    one_less = transfer("YN-KM-01", "beyond_authority", history=owners[1:])
    assert isinstance(one_less, Decision)


def test_the_longest_domain_path_fits_in_the_cap():
    owner, history = "YN-KM-01", ("YN-KM-01",)
    path = []
    while isinstance(step := transfer(owner, "beyond_authority", history=history), Decision):
        owner, history = step.owner_unit, (*history, step.owner_unit)
        path.append(owner)
    assert path == ["YN-KM", "YN-CARDS", "YN-SUP", "HQ-QSG"]
    assert step.rule == "no_target"


def test_a_line_receiving_a_transfer_reports_it_to_its_supervision_line():
    decision = transfer("YN-KM-01", "beyond_authority", "YN-KM-AST")
    assert isinstance(decision, Decision)
    assert decision.reported_to == ("YN-KM-SUP",)


def test_a_restricted_case_stays_restricted():
    decision = transfer("YN-KM-01", "beyond_authority", flags=("major_liability",))
    assert isinstance(decision, Decision) and decision.restricted


def test_the_decision_lists_the_checks_passed():
    decision = transfer("YN-KM-01", "needs_coordination")
    assert isinstance(decision, Decision)
    assert [c.rule for c in decision.considered] == [
        "requested_by_owner",
        "within_transfer_bound",
        "transfer_needs_coordination",
        "hierarchy",
        "covers_line",
        "no_loop",
    ]
    assert all(c.fired for c in decision.considered)
