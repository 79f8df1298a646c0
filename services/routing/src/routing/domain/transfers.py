"""Transfers (hand-offs) requested by the owner: where they go, and which ones the rules refuse.

The checks of docs/domain.md#transfers, in order (the first that fails refuses; the ones passed
are the decision's `considered`), each a function below:
1. the owner and the requesting unit exist (`unknown_unit`): `_units_exist`;
2. the requester is the owner or a unit above it (`not_owner`): `_requested_by_owner`;
3. fewer than `MAX_TRANSFERS` hand-offs so far (`too_many_transfers`): `_within_transfer_bound`;
4. the target: `to_unit` when given (any reason text is then accepted, but
   `beyond_authority` must go up in rank), else derived from the reason
   (`unknown_reason`, or `no_target` when the rules find none): `_find_target`;
5. not the owner itself (`self_transfer`): `_not_to_itself`;
6. the hierarchy allows it (`against_hierarchy`), see `_hierarchy_problem`: `_hierarchy_allows`;
7. the target handles complaints (`not_a_handling_unit`: a hotline) and covers the line
   (`does_not_cover_line`, see `hierarchy.may_own`): `_covers_line`;
8. no loop (`loop`): a unit may receive the same complaint again only when it ranks above the
   current owner (a case handed down comes back up); never sideways or down twice: `_no_loop`.

The bound: every accepted transfer counts, so a complaint makes at most `MAX_TRANSFERS`
hand-offs after its initial routing. The longest legitimate path of docs/domain.md#routing is
outlet → branch department → branch → province department → province supervision line → HQ
quality group (5); 8 leaves room for one hand-down and back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeAlias

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import HQ_KINDS, is_self_or_above, province_of

from .hierarchy import handling_level as level_of
from .hierarchy import is_province_supervision_line, level_unit, may_own, rank
from .model import Decision, RoutingFacts, RuleConsidered, TransferRefusal
from .reporting import distinct, line_reports
from .transfer_targets import TRANSFER_REASONS, target_for_reason

__all__ = ["MAX_TRANSFERS", "TRANSFER_REASONS", "request_transfer"]

MAX_TRANSFERS = 8


@dataclass(frozen=True)
class HandOff:
    """A transfer request as the checks see it; `owners` are the owners so far, oldest first,
    ending with the current `owner`."""

    facts: RoutingFacts
    owner: str
    requested_by: str
    reason: str
    to_unit: str | None
    owners: tuple[str, ...]


@dataclass(frozen=True)
class HandOffTarget:
    """The unit a hand-off goes to, the rule that chose it and the words for it."""

    unit: str
    rule: str
    why: str


# A check passes with a note for `considered` (or silently, None) or refuses.
Outcome: TypeAlias = RuleConsidered | TransferRefusal | None


def request_transfer(
    facts: RoutingFacts,
    org: Organisation,
    *,
    current_owner: str,
    requested_by: str,
    reason: str,
    to_unit: str | None,
    history: tuple[str, ...],
) -> Decision | TransferRefusal:
    """The new assignment for a transfer request, or why it is refused.

    `history` is the owners so far, oldest first; it may or may not end with `current_owner`.
    Reasons without `to_unit`: `beyond_authority` (the next unit up that may own the line),
    `needs_coordination` (the province supervision line), `wrong_line` (the unit that covers
    the complaint's line at the owner's level); see `transfer_targets`.
    """
    owners = history if history[-1:] == (current_owner,) else (*history, current_owner)
    ask = HandOff(facts, current_owner, requested_by, reason, to_unit, owners)
    passed: list[RuleConsidered] = []
    before: tuple[Callable[[Organisation, HandOff], Outcome], ...] = (
        _units_exist,
        _requested_by_owner,
        _within_transfer_bound,
    )
    refusal = _first_refusal((check(org, ask) for check in before), passed)
    if refusal is not None:
        return refusal
    target = _find_target(org, ask)
    if isinstance(target, TransferRefusal):
        return target
    passed.append(RuleConsidered(target.rule, True, target.why))
    after: tuple[Callable[[Organisation, HandOff, str], Outcome], ...] = (
        _not_to_itself,
        _hierarchy_allows,
        _covers_line,
        _no_loop,
    )
    refusal = _first_refusal((check(org, ask, target.unit) for check in after), passed)
    if refusal is not None:
        return refusal
    return Decision(
        owner_unit=target.unit,
        handling_level=level_of(org, target.unit),
        rule=target.rule,
        reason=target.why,
        considered=tuple(passed),
        reported_to=distinct(line_reports(org, (target.unit,)), without=target.unit),
        restricted="major_liability" in facts.flags,
        extra={"from_unit": current_owner, "requested_by": requested_by, "transfer_reason": reason},
    )


def _first_refusal(
    outcomes: Iterable[Outcome], passed: list[RuleConsidered]
) -> TransferRefusal | None:
    """Run the checks (a lazy iterable) until one refuses; note each one passed."""
    for outcome in outcomes:
        if isinstance(outcome, TransferRefusal):
            return outcome
        if outcome is not None:
            passed.append(outcome)
    return None


# -- 1-3: before the target -----------------------------------------------------------------
def _units_exist(org: Organisation, ask: HandOff) -> Outcome:
    for role, unit in (("current owner", ask.owner), ("requesting unit", ask.requested_by)):
        if unit not in org:
            return TransferRefusal(
                f"the {role} {unit!r} is not in the organisation", "unknown_unit"
            )
    return None


def _requested_by_owner(org: Organisation, ask: HandOff) -> Outcome:
    if not is_self_or_above(org, ask.requested_by, ask.owner):
        text = f"{ask.requested_by} neither owns the complaint nor is above its owner {ask.owner}"
        return TransferRefusal(text, "not_owner")
    return RuleConsidered(
        "requested_by_owner", True, f"{ask.requested_by} may move {ask.owner}'s complaint"
    )


def _within_transfer_bound(org: Organisation, ask: HandOff) -> Outcome:
    done = len(ask.owners) - 1
    if done >= MAX_TRANSFERS:
        text = f"the complaint was already handed on {done} times (at most {MAX_TRANSFERS})"
        return TransferRefusal(text, "too_many_transfers")
    return RuleConsidered(
        "within_transfer_bound", True, f"{done} of at most {MAX_TRANSFERS} transfers so far"
    )


# -- 4: the target ----------------------------------------------------------------------------
def _find_target(org: Organisation, ask: HandOff) -> HandOffTarget | TransferRefusal:
    """`to_unit` when given, else where the reason leads (`transfer_targets`)."""
    if ask.to_unit is None:
        found = target_for_reason(ask.reason, org, ask.owner, ask.facts.business_line)
        if isinstance(found, TransferRefusal):
            return found
        unit, why = found
        return HandOffTarget(unit, f"transfer_{ask.reason}", why)
    to_unit = ask.to_unit
    if to_unit not in org:
        return TransferRefusal(f"the target {to_unit!r} is not in the organisation", "unknown_unit")
    if ask.reason == "beyond_authority" and rank(org, to_unit) <= rank(org, ask.owner):
        text = f"beyond authority goes up; {to_unit} has no more authority than {ask.owner}"
        return TransferRefusal(text, "against_hierarchy")
    why = f"{ask.requested_by} hands it to {to_unit} ({ask.reason})"
    return HandOffTarget(to_unit, "transfer_to_unit", why)


# -- 5-8: the target against the rules ------------------------------------------------------
def _not_to_itself(org: Organisation, ask: HandOff, target: str) -> Outcome:
    if target == ask.owner:
        return TransferRefusal(f"{ask.owner} would hand the complaint to itself", "self_transfer")
    return None


def _hierarchy_allows(org: Organisation, ask: HandOff, target: str) -> Outcome:
    problem = _hierarchy_problem(org, ask.requested_by, ask.owner, target)
    if problem:
        return TransferRefusal(problem, "against_hierarchy")
    return RuleConsidered("hierarchy", True, f"{target} is within reach of {ask.requested_by}")


def _covers_line(org: Organisation, ask: HandOff, target: str) -> Outcome:
    line = ask.facts.business_line
    if org.unit(target).kind == "hotline":
        return TransferRefusal(
            f"{target} is a hotline: it registers, it does not handle", "not_a_handling_unit"
        )
    if not may_own(org, target, line):
        return TransferRefusal(f"{target} does not cover {line}", "does_not_cover_line")
    return RuleConsidered("covers_line", True, f"{target} may own a {line} complaint")


def _no_loop(org: Organisation, ask: HandOff, target: str) -> Outcome:
    if target in ask.owners and rank(org, target) <= rank(org, ask.owner):
        text = f"{target} already had this complaint and is not above {ask.owner}: a loop"
        return TransferRefusal(text, "loop")
    return RuleConsidered("no_loop", True, f"{target} receives it for the first time or from below")


def _hierarchy_problem(org: Organisation, actor: str, owner: str, target: str) -> str | None:
    """Why `actor` may not hand the complaint to `target`, or None when it may.

    - the HQ discipline-inspection office may always receive (a special route whatever the
      channel, docs/domain.md#initial-routing-rules);
    - other HQ units receive only from a province supervision line or HQ, and only the quality
      group (docs/domain.md#transfers);
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
