"""Who owns a complaint: pure routing decisions over the organisation tree.

This module is the routing core's public face; the adapter imports everything from here.

Precedence of initial routing (first rule that proposes an owner wins; the same table, with
examples, is docs/domain.md#initial-routing-rules):

 1. `discipline_office`       flag `discipline` → HQ discipline-inspection office
 2. `media_exposure`          flag `media_exposure` or channel `media` → the province's
                              customer-service department, with the province department of the
                              line also involved
 3. `major_to_quality_group`  `major` received by a province's supervision line (or above any
                              province) → HQ quality-service leadership group
 4. `major_to_supervision_line` `major` anywhere else → the province's supervision line, which
                              reports it on to the HQ quality group (a case that needs a
                              higher level goes to the province)
 5. `hotline_hand_on`         the hotline does not handle: → the assistance line of the same
                              level; a `major_liability` case → the supervision line
 6. `assistance_line`         the assistance line handles at its own level
 7. `supervision_line`        the supervision line investigates and hands on or handles
 8. `receiving_unit_within_authority` an outlet or department that covers the line keeps it
 9. `line_department`         the department of the line at the receiving level: a branch's
                              department rather than the branch itself ("handle by business line")
10. `branch_service_management` a branch with no department for the line, covering it → the branch
11. `province_line_department` a line the branch does not cover → the province's department
12. `supervision_line_designates` no department covers the line → the province supervision line
13. `receiving_unit_fallback` received at HQ level (no province above) → the receiving unit

Flags combine: the highest special route owns; every lower special route that also applies
adds its would-be owner (and its companions) to `also_involved`, so nothing is lost. Then two
modifiers apply to whatever owner was chosen:

14. `line_receipt_reported`   every line that received or owns the complaint reports it to the
                              supervision line of its level → `reported_to`
15. `major_liability`         flag `major_liability` → restricted, and reported at once to the
                              province company and the HQ quality group → `reported_to`

A complaint's `kind` (complaint or inquiry) does not change routing; the SLA monitor uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from complaints_shared.organisation import Organisation

from .escalation import escalation_target
from .hierarchy import handling_level, may_own
from .model import (
    Decision,
    HandlingLevel,
    RoutingFacts,
    RuleConsidered,
    TransferRefusal,
    UnknownUnitError,
)
from .ordinary_routes import ORDINARY_RULES
from .receipt import Receipt, receipt_of
from .reporting import distinct, liability_reports, line_reports
from .special_routes import SPECIAL_RULES
from .transfer_targets import TRANSFER_REASONS
from .transfers import MAX_TRANSFERS, request_transfer

__all__ = [
    "MAX_TRANSFERS",
    "RULE_NAMES",
    "TRANSFER_REASONS",
    "Decision",
    "HandlingLevel",
    "RoutingFacts",
    "RuleConsidered",
    "TransferRefusal",
    "UnknownUnitError",
    "escalation_target",
    "handling_level",
    "may_own",
    "request_transfer",
    "route",
]

OWNER_RULES = (*SPECIAL_RULES, *ORDINARY_RULES)
_SPECIAL = frozenset(name for name, _ in SPECIAL_RULES)
RULE_NAMES: tuple[str, ...] = (
    *(name for name, _ in OWNER_RULES),
    "line_receipt_reported",
    "major_liability",
)


def route(facts: RoutingFacts, org: Organisation) -> Decision:
    """The initial owner of a newly received complaint, with every rule considered.

    Raises `UnknownUnitError` when the receiving unit is not in the organisation. Pure and
    deterministic: the same facts and organisation give an equal `Decision`.
    """
    if facts.receiving_unit not in org:
        raise UnknownUnitError(f"unknown receiving unit {facts.receiving_unit!r}")
    receipt = receipt_of(facts, org)
    choice = _choose_owner(receipt, org)
    owner, considered, reported = choice.owner, choice.considered, choice.reported
    considered.append(_report_line_receipt(receipt, org, owner, reported))
    restricted = "major_liability" in facts.flags
    considered.append(_report_liability(receipt, org, restricted, reported))
    extra: dict[str, str] = {}
    if choice.rule == "hotline_hand_on" and receipt.line_unit is not None:
        extra["handed_on_by"] = receipt.line_unit
    return Decision(
        owner_unit=owner,
        handling_level=handling_level(org, owner),
        rule=choice.rule,
        reason=choice.reason,
        considered=tuple(considered),
        also_involved=distinct(choice.also, without=owner),
        reported_to=distinct(reported, without=owner),
        restricted=restricted,
        extra=extra,
    )


@dataclass
class _OwnerChoice:
    """What the owner rules decided, being built up rule by rule."""

    owner: str = ""
    rule: str = ""
    reason: str = ""
    considered: list[RuleConsidered] = field(default_factory=list)
    also: list[str] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)


def _choose_owner(receipt: Receipt, org: Organisation) -> _OwnerChoice:
    """Rules 1-13 in order: the first that proposes an owner decides; a later special route
    that also fires adds its would-be owner (and companions) to `also`; later ordinary rules
    are "not needed"."""
    choice = _OwnerChoice()
    for name, rule in OWNER_RULES:
        proposal = rule(receipt, org)
        if proposal.owner is None:
            choice.considered.append(RuleConsidered(name, False, proposal.reason))
        elif not choice.owner:
            choice.owner, choice.rule, choice.reason = proposal.owner, name, proposal.reason
            choice.also.extend(proposal.also)
            choice.reported.extend(proposal.reported)
            choice.considered.append(RuleConsidered(name, True, proposal.reason))
        elif name in _SPECIAL:
            choice.also.extend((proposal.owner, *proposal.also))
            choice.reported.extend(proposal.reported)
            note = (
                f"{proposal.reason}; {choice.rule} takes precedence, "
                f"so {proposal.owner} is also involved"
            )
            choice.considered.append(RuleConsidered(name, True, note))
        else:
            note = f"not needed: {choice.rule} decided the owner"
            choice.considered.append(RuleConsidered(name, False, note))
    return choice


def _report_line_receipt(
    receipt: Receipt, org: Organisation, owner: str, reported: list[str]
) -> RuleConsidered:
    lines = [u for u in (receipt.line_unit, owner) if u is not None]
    reports = [u for u in line_reports(org, lines) if u != owner]
    if not reports:
        return RuleConsidered(
            "line_receipt_reported", False, "no assistance line or hotline received or owns it"
        )
    reported.extend(reports)
    return RuleConsidered(
        "line_receipt_reported",
        True,
        f"a line's receipt is reported to the supervision line {', '.join(dict.fromkeys(reports))}",
    )


def _report_liability(
    receipt: Receipt, org: Organisation, restricted: bool, reported: list[str]
) -> RuleConsidered:
    if not restricted:
        return RuleConsidered(
            "major_liability", False, "no major liability accident or criminal case"
        )
    reports = liability_reports(org, receipt.unit.id)
    reported.extend(reports)
    to = f", reported at once to {', '.join(reports)}" if reports else ""
    return RuleConsidered(
        "major_liability", True, f"major liability or criminal case: restricted{to}"
    )
