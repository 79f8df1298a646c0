"""Transfers (hand-offs) requested by the owner: where they go, and which ones the rules refuse.

Checks, in order (the first that fails rejects; the ones passed are the decision's
`considered`):
1. the owner and the requesting unit exist (`unknown_unit`);
2. the requester is the owner or a unit above it (`not_owner`);
3. fewer than `MAX_TRANSFERS` hand-offs so far (`too_many_transfers`);
4. the target: `to_unit` when given (any reason text is then accepted, but
   `beyond_authority` must go up in rank), else derived from the reason
   (`unknown_reason`, or `no_target` when the rules find none);
5. not the owner itself (`self_transfer`);
6. the hierarchy allows it (`against_hierarchy`), see `_hierarchy_problem`;
7. the target handles complaints (`not_a_handling_unit`: a hotline) and covers the line
   (`does_not_cover_line`, see `hierarchy.may_own`);
8. no loop (`loop`): a unit may receive the same complaint again only when it ranks above the
   current owner (a case handed down comes back up); never sideways or down twice.

The bound: every accepted transfer counts, so a complaint makes at most `MAX_TRANSFERS`
hand-offs after its initial routing. The longest legitimate path in DOMAIN §3 is outlet →
branch department → branch → province department → province supervision line → HQ quality
group (5); 8 leaves room for one hand-down and back.
"""

from __future__ import annotations

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import (
    HQ_KINDS,
    is_self_or_above,
    province_of,
    province_supervision_line,
)

from .hierarchy import handling_level as level_of
from .hierarchy import (
    hq_office,
    is_province_supervision_line,
    level_unit,
    may_own,
    member_of_kind,
    rank,
)
from .model import ComplaintFacts, Decision, RuleConsidered, TransferRejected
from .reporting import distinct, line_reports

MAX_TRANSFERS = 8
TRANSFER_REASONS = ("beyond_authority", "needs_coordination", "wrong_line")


def request_transfer(
    facts: ComplaintFacts,
    org: Organisation,
    *,
    current_owner: str,
    requested_by: str,
    reason: str,
    to_unit: str | None,
    history: tuple[str, ...],
) -> Decision | TransferRejected:
    """The new assignment for a transfer request, or why it is refused.

    `history` is the owners so far, oldest first; it may or may not end with `current_owner`.
    Reasons without `to_unit`: `beyond_authority` (the next unit up that may own the line),
    `needs_coordination` (the province supervision line, DOMAIN §3.3), `wrong_line` (the unit
    that covers the complaint's line at the owner's level).
    """
    for role, unit in (("current owner", current_owner), ("requesting unit", requested_by)):
        if unit not in org:
            return TransferRejected(
                f"the {role} {unit!r} is not in the organisation", "unknown_unit"
            )
    if not is_self_or_above(org, requested_by, current_owner):
        text = f"{requested_by} neither owns the complaint nor is above its owner {current_owner}"
        return TransferRejected(text, "not_owner")
    checks = [
        RuleConsidered(
            "requested_by_owner", True, f"{requested_by} may move {current_owner}'s complaint"
        )
    ]
    owners = history if history[-1:] == (current_owner,) else (*history, current_owner)
    done = len(owners) - 1
    if done >= MAX_TRANSFERS:
        text = f"the complaint was already handed on {done} times (at most {MAX_TRANSFERS})"
        return TransferRejected(text, "too_many_transfers")
    checks.append(
        RuleConsidered(
            "within_transfer_bound", True, f"{done} of at most {MAX_TRANSFERS} transfers so far"
        )
    )

    line = facts.business_line
    if to_unit is None:
        found = _target_for(reason, org, current_owner, line)
        if isinstance(found, TransferRejected):
            return found
        target, why = found
        rule = f"transfer_{reason}"
    else:
        if to_unit not in org:
            return TransferRejected(
                f"the target {to_unit!r} is not in the organisation", "unknown_unit"
            )
        if reason == "beyond_authority" and rank(org, to_unit) <= rank(org, current_owner):
            text = f"beyond authority goes up; {to_unit} has no more authority than {current_owner}"
            return TransferRejected(text, "against_hierarchy")
        target, why, rule = (
            to_unit,
            f"{requested_by} hands it to {to_unit} ({reason})",
            "transfer_to_unit",
        )
    checks.append(RuleConsidered(rule, True, why))

    if target == current_owner:
        return TransferRejected(
            f"{current_owner} would hand the complaint to itself", "self_transfer"
        )
    problem = _hierarchy_problem(org, requested_by, current_owner, target)
    if problem:
        return TransferRejected(problem, "against_hierarchy")
    checks.append(RuleConsidered("hierarchy", True, f"{target} is within reach of {requested_by}"))
    if org.unit(target).kind == "hotline":
        return TransferRejected(
            f"{target} is a hotline: it registers, it does not handle", "not_a_handling_unit"
        )
    if not may_own(org, target, line):
        return TransferRejected(f"{target} does not cover {line}", "does_not_cover_line")
    checks.append(RuleConsidered("covers_line", True, f"{target} may own a {line} complaint"))
    if target in owners and rank(org, target) <= rank(org, current_owner):
        text = f"{target} already had this complaint and is not above {current_owner}: a loop"
        return TransferRejected(text, "loop")
    checks.append(
        RuleConsidered("no_loop", True, f"{target} receives it for the first time or from below")
    )

    return Decision(
        owner_unit=target,
        handling_level=level_of(org, target),
        rule=rule,
        reason=why,
        considered=tuple(checks),
        reported_to=distinct(line_reports(org, (target,)), without=target),
        restricted="major_liability" in facts.flags,
        extra={"from_unit": current_owner, "requested_by": requested_by, "transfer_reason": reason},
    )


def _target_for(
    reason: str, org: Organisation, owner: str, line: str
) -> tuple[str, str] | TransferRejected:
    """The unit a reason leads to from `owner`, with the words for it."""
    if reason == "beyond_authority":
        up = _next_up(org, owner, line)
        if up is None:
            return TransferRejected(f"nobody above {owner} takes complaints", "no_target")
        return up, f"beyond the authority of {owner}: {up} takes it"
    if reason == "needs_coordination":
        supervision = province_supervision_line(org, owner)
        if supervision is None:
            return TransferRejected(
                f"{owner} has no province supervision line above it", "no_target"
            )
        return (
            supervision,
            f"needs coordination: the province supervision line {supervision} takes it",
        )
    if reason == "wrong_line":
        covering = _line_owner_at_level(org, owner, line)
        if covering is None:
            return TransferRejected(f"no unit at the level of {owner} covers {line}", "no_target")
        return covering, f"not {owner}'s line: {covering} covers {line}"
    known = ", ".join(TRANSFER_REASONS)
    return TransferRejected(
        f"unknown reason {reason!r} without a target (known: {known})", "unknown_reason"
    )


def _next_up(org: Organisation, owner: str, line: str) -> str | None:
    """The first unit above `owner` in rank that may own the line: the branch (its
    service-management department, DOMAIN §3.3), a branch department of the line, the
    province department of the line, the province supervision line, the HQ quality group."""
    level = level_unit(org, owner)
    province = province_of(org, owner)
    candidates: list[str | None] = []
    if level is not None and level.kind == "branch":
        candidates += [level.id, member_of_kind(org, level.id, "branch_department", line)]
    if province is not None:
        candidates += [
            member_of_kind(org, province, "province_department", line),
            province_supervision_line(org, owner),
        ]
    candidates.append(hq_office(org, "hq_quality_group"))
    floor = rank(org, owner)
    for unit in candidates:
        if unit is not None and rank(org, unit) > floor and may_own(org, unit, line):
            return unit
    return None


def _line_owner_at_level(org: Organisation, owner: str, line: str) -> str | None:
    """Who covers `line` at the owner's level: the branch's department, else the branch, else
    the province's department; at a province, its department, else its supervision line."""
    level = level_unit(org, owner)
    province = province_of(org, owner)
    if level is None or province is None:
        return None
    if level.kind == "branch":
        found = member_of_kind(org, level.id, "branch_department", line)
        if found is None and may_own(org, level.id, line):
            found = level.id
        if found is not None:
            return found
    return member_of_kind(org, province, "province_department", line) or (
        province_supervision_line(org, owner)
    )


def _hierarchy_problem(org: Organisation, actor: str, owner: str, target: str) -> str | None:
    """Why `actor` may not hand the complaint to `target`, or None when it may.

    - the HQ discipline-inspection office may always receive (a special route whatever the
      channel, DOMAIN §3.6);
    - other HQ units receive only from a province supervision line or HQ, and only the quality
      group (DOMAIN §3.5);
    - never across provinces;
    - upwards (more authority than the actor): only to the actor's own level or a level above
      it (an outlet may go to its branch or its province, not to another branch);
    - sideways or down: only within the actor's level (a branch into its own outlets and
      departments, a province unit anywhere in its province, HQ anywhere).
    """
    target_unit = org.unit(target)
    if target_unit.kind == "hq_discipline_office":
        return None
    actor_rank, target_rank = rank(org, actor), rank(org, target)
    if target_rank >= 5:
        senders = (actor, owner)
        if target_unit.kind == "hq_quality_group" and any(_sends_to_hq(org, u) for u in senders):
            return None
        return f"{target} takes complaints only from a province supervision line"
    actor_province, target_province = province_of(org, actor), province_of(org, target)
    if actor_province and target_province and actor_province != target_province:
        return f"{target} is in {target_province}, not in {actor_province}"
    actor_level, target_level = level_unit(org, actor), level_unit(org, target)
    if actor_level is None or target_level is None:
        return f"{target} or {actor} is outside any branch, province or HQ"
    if target_rank > actor_rank:
        if not is_self_or_above(org, target_level.id, actor_level.id):
            return f"{target} is above {actor}, but not in its line of authority"
    elif not is_self_or_above(org, actor_level.id, target_level.id):
        return f"{target} is not within {actor_level.id}, the level of {actor}"
    return None


def _sends_to_hq(org: Organisation, unit_id: str) -> bool:
    return is_province_supervision_line(org, unit_id) or org.unit(unit_id).kind in HQ_KINDS
