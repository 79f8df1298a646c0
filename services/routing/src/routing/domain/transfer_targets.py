"""Where a transfer reason leads when the owner names no target (docs/domain.md#transfers).

| reason               | target                                                          |
|----------------------|-----------------------------------------------------------------|
| `beyond_authority`   | the first unit above the owner in rank that may own the line    |
| `needs_coordination` | the province supervision line                                   |
| `wrong_line`         | the unit that covers the complaint's line at the owner's level  |
"""

from __future__ import annotations

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import province_of, province_supervision_line

from .hierarchy import hq_office, level_unit, may_own, member_of_kind, rank
from .model import TransferRefusal

TRANSFER_REASONS = ("beyond_authority", "needs_coordination", "wrong_line")


def target_for_reason(
    reason: str, org: Organisation, owner: str, line: str
) -> tuple[str, str] | TransferRefusal:
    """The unit a reason leads to from `owner`, with the words for it; or why there is none
    (`no_target`, or `unknown_reason` for a reason not in `TRANSFER_REASONS`)."""
    if reason == "beyond_authority":
        up = next_up(org, owner, line)
        if up is None:
            return TransferRefusal(f"nobody above {owner} takes complaints", "no_target")
        return up, f"beyond the authority of {owner}: {up} takes it"
    if reason == "needs_coordination":
        supervision = province_supervision_line(org, owner)
        if supervision is None:
            return TransferRefusal(
                f"{owner} has no province supervision line above it", "no_target"
            )
        return (
            supervision,
            f"needs coordination: the province supervision line {supervision} takes it",
        )
    if reason == "wrong_line":
        covering = line_owner_at_level(org, owner, line)
        if covering is None:
            return TransferRefusal(f"no unit at the level of {owner} covers {line}", "no_target")
        return covering, f"not {owner}'s line: {covering} covers {line}"
    known = ", ".join(TRANSFER_REASONS)
    return TransferRefusal(
        f"unknown reason {reason!r} without a target (known: {known})", "unknown_reason"
    )


def next_up(org: Organisation, owner: str, line: str) -> str | None:
    """The first unit above `owner` in rank that may own the line: the branch (its
    service-management department, docs/domain.md#initial-routing-rules), a branch department
    of the line, the province department of the line, the province supervision line, the HQ
    quality group."""
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


def line_owner_at_level(org: Organisation, owner: str, line: str) -> str | None:
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
