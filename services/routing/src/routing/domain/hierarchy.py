"""Where a unit sits in the hierarchy: its level, its rank, the lines and departments of a level.

A *level* is a branch, a province or HQ (docs/domain.md#hierarchy). Every other unit belongs to
the nearest level unit above it: an outlet, a branch department and the branch's three phone
lines belong to the branch; the customer-service department, the business departments and the
three lines of a province belong to the province; the HQ offices belong to HQ.

The hierarchy queries every service shares (the province of a unit, its supervision line and
customer-service department, HQ's kinds, self-or-above) live in
`complaints_shared.workflow.hierarchy`; this module keeps what only routing needs: levels,
rank, handling level and who may own a line.
"""

from __future__ import annotations

from collections.abc import Iterator

from complaints_shared.organisation import Organisation, Unit
from complaints_shared.workflow.hierarchy import HQ_KINDS, supervised_province

from .model import HandlingLevel

LEVEL_KINDS = frozenset({"branch", "province", "hq"})
LINE_KINDS = frozenset({"hotline", "assistance_line", "supervision_line"})

# Units that own a complaint whatever its business line: the lines that handle at their level,
# the province company and its customer-service department, and HQ. The hotline never owns
# (docs/domain.md#unit-kinds: it registers and hands on). Everything else must list the line to
# own it.
_OWNS_ANY_LINE = frozenset(
    {"assistance_line", "supervision_line", "province", "province_cs_department", *HQ_KINDS}
)


def level_unit(org: Organisation, unit_id: str) -> Unit | None:
    """The branch, province or HQ the unit belongs to (itself when it is one); None off-tree."""
    unit = org.unit(unit_id)
    for candidate in (unit, *org.ancestors(unit_id)):
        if candidate.kind in LEVEL_KINDS:
            return candidate
    return None


def upper_level(org: Organisation, level_id: str) -> Unit | None:
    """The level above a level unit (branch → province → HQ)."""
    parent = org.unit(level_id).parent
    return level_unit(org, parent) if parent is not None else None


def level_members(org: Organisation, level_id: str) -> Iterator[Unit]:
    """Units that belong to the level, in file order, without descending into lower levels."""
    stack = list(reversed(org.children[level_id]))
    while stack:
        unit = org.unit(stack.pop())
        if unit.kind in LEVEL_KINDS:
            continue
        yield unit
        stack.extend(reversed(org.children[unit.id]))


def member_of_kind(
    org: Organisation, level_id: str, kind: str, line: str | None = None
) -> str | None:
    """The first unit of `kind` at the level (covering `line` when given), else None."""
    for unit in level_members(org, level_id):
        if unit.kind == kind and (line is None or line in unit.lines):
            return unit.id
    return None


def line_near(org: Organisation, unit_id: str, kinds: tuple[str, ...]) -> str | None:
    """The phone line of the unit's level, in order of `kinds`; a level without one uses the
    line of the level above (a branch without its own lines is served by the province's)."""
    level = level_unit(org, unit_id)
    while level is not None:
        for kind in kinds:
            found = member_of_kind(org, level.id, kind)
            if found is not None:
                return found
        level = upper_level(org, level.id)
    return None


def supervision_line_near(org: Organisation, unit_id: str) -> str | None:
    """The supervision line that a line at this unit's level reports its receipts to."""
    return line_near(org, unit_id, ("supervision_line",))


def hq_office(org: Organisation, kind: str) -> str | None:
    """The HQ office of `kind` (the first in the file); None when the organisation has none."""
    found = org.units_of_kind(kind)
    return found[0].id if found else None


def may_own(org: Organisation, unit_id: str, line: str) -> bool:
    """Whether the unit may own a complaint of `line`: it lists the line, or it is a line or
    office that handles any line (see `_OWNS_ANY_LINE`)."""
    unit = org.unit(unit_id)
    return unit.kind in _OWNS_ANY_LINE or (unit.kind != "hotline" and line in unit.lines)


def is_province_supervision_line(org: Organisation, unit_id: str) -> bool:
    """A supervision line that belongs to a province (not to a branch)."""
    return org.unit(unit_id).kind == "supervision_line" and (
        supervised_province(org, unit_id) is not None
    )


def rank(org: Organisation, unit_id: str) -> int:
    """Authority, low to high: outlet 0; branch department and branch lines 1; branch 2;
    the province company, its departments and its assistance line/hotline 3; the province
    supervision line 4 (it coordinates the whole province); HQ 5.

    Transfers may go back to a unit they already visited only upwards in rank, and an
    escalation always goes strictly up, so a complaint cannot circle.
    """
    unit = org.unit(unit_id)
    if unit.kind in HQ_KINDS:
        return 5
    level = level_unit(org, unit_id)
    if level is None or level.kind == "hq":
        return 5
    if level.kind == "province":
        return 4 if unit.kind == "supervision_line" else 3
    return {"outlet": 0, "branch": 2}.get(unit.kind, 1)


def handling_level(org: Organisation, unit_id: str) -> HandlingLevel:
    """The level whose `resolve` budget applies when `unit_id` owns a complaint
    (docs/domain.md#handling-level, docs/domain.md#budgets-per-handling-level).

    - `hq` for HQ and its offices;
    - `supervision` for a province's supervision line (3 working days, province calendar);
    - `province` for the province company, its departments and its other lines;
    - `branch` for a branch, its outlets, departments and its own three lines, including the
      branch's supervision line (it is a branch-level unit; the 3-day coordination budget
      belongs to the province's supervision line, docs/domain.md#handling-level).
    A unit outside any branch or province (a malformed tree) is treated as province level.
    """
    unit = org.unit(unit_id)
    if unit.kind in HQ_KINDS:
        return "hq"
    level = level_unit(org, unit_id)
    if level is None:
        return "province"
    if level.kind == "branch":
        return "branch"
    if level.kind == "hq":
        return "hq"
    return "supervision" if unit.kind == "supervision_line" else "province"
