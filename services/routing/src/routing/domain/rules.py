"""Who owns a complaint: pure routing decisions over the organisation tree.

This module is the routing core's public face; the adapter imports everything from here.

Precedence of initial routing (first rule that proposes an owner wins, DOMAIN.md §3):

 1. `discipline_office`       flag `discipline` → HQ discipline-inspection office (§3.6)
 2. `media_exposure`          flag `media_exposure` or channel `media` → the province's
                              customer-service department, with the province department of the
                              line also involved (§3.6)
 3. `major_to_quality_group`  `major` received by a province's supervision line (or above any
                              province) → HQ quality-service leadership group (§3.5)
 4. `major_to_supervision_line` `major` anywhere else → the province's supervision line, which
                              reports it on to the HQ quality group (§3.3 "needs a higher level
                              goes to the province", §3.4)
 5. `hotline_hand_on`         the hotline does not handle: → the assistance line of the same
                              level; a `major_liability` case → the supervision line (§3.1)
 6. `assistance_line`         the assistance line handles at its own level (§3.2)
 7. `supervision_line`        the supervision line investigates and hands on or handles (§3.5)
 8. `receiving_unit_within_authority` an outlet or department that covers the line keeps it (§3.3)
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
                              supervision line of its level (§3.1) → `reported_to`
15. `major_liability`         flag `major_liability` → restricted, and reported at once to the
                              province company and the HQ quality group (§3.6) → `reported_to`

A complaint's `kind` (complaint or inquiry) does not change routing; the SLA monitor uses it.
"""

from __future__ import annotations

from complaints_shared.organisation import Organisation

from .escalation import escalation_target
from .hierarchy import handling_level, may_own
from .model import (
    ComplaintFacts,
    Decision,
    HandlingLevel,
    RuleConsidered,
    TransferRejected,
    UnknownUnitError,
)
from .ordinary_routes import ORDINARY_RULES
from .receipt import Receipt, receipt_of
from .reporting import distinct, liability_reports, line_reports
from .special_routes import SPECIAL_RULES
from .transfers import MAX_TRANSFERS, TRANSFER_REASONS, request_transfer

__all__ = [
    "MAX_TRANSFERS",
    "RULE_NAMES",
    "TRANSFER_REASONS",
    "ComplaintFacts",
    "Decision",
    "HandlingLevel",
    "RuleConsidered",
    "TransferRejected",
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


def route(facts: ComplaintFacts, org: Organisation) -> Decision:
    """The initial owner of a newly received complaint, with every rule considered.

    Raises `UnknownUnitError` when the receiving unit is not in the organisation. Pure and
    deterministic: the same facts and organisation give an equal `Decision`.
    """
    if facts.receiving_unit not in org:
        raise UnknownUnitError(f"unknown receiving unit {facts.receiving_unit!r}")
    receipt = receipt_of(facts, org)
    considered: list[RuleConsidered] = []
    owner, decided_by, why = "", "", ""
    also: list[str] = []
    reported: list[str] = []
    for name, rule in OWNER_RULES:
        proposal = rule(receipt, org)
        if proposal.owner is None:
            considered.append(RuleConsidered(name, False, proposal.reason))
        elif not owner:
            owner, decided_by, why = proposal.owner, name, proposal.reason
            also.extend(proposal.also)
            reported.extend(proposal.reported)
            considered.append(RuleConsidered(name, True, proposal.reason))
        elif name in _SPECIAL:
            also.extend((proposal.owner, *proposal.also))
            reported.extend(proposal.reported)
            note = (
                f"{proposal.reason}; {decided_by} takes precedence, "
                f"so {proposal.owner} is also involved"
            )
            considered.append(RuleConsidered(name, True, note))
        else:
            considered.append(
                RuleConsidered(name, False, f"not needed: {decided_by} decided the owner")
            )
    considered.append(_report_line_receipt(receipt, org, owner, reported))
    restricted = "major_liability" in facts.flags
    considered.append(_report_liability(receipt, org, restricted, reported))
    extra = {}
    if decided_by == "hotline_hand_on" and receipt.line_unit is not None:
        extra["handed_on_by"] = receipt.line_unit
    return Decision(
        owner_unit=owner,
        handling_level=handling_level(org, owner),
        rule=decided_by,
        reason=why,
        considered=tuple(considered),
        also_involved=distinct(also, without=owner),
        reported_to=distinct(reported, without=owner),
        restricted=restricted,
        extra=extra,
    )


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
