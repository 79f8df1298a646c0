"""Hierarchy queries over the organisation (docs/workflow.md): province of a unit, the unit
above, a subtree, and the province units that supervise every complaint of their province."""

from __future__ import annotations

from complaints_shared.organisation import Organisation

HQ_KINDS = frozenset({"hq", "hq_office", "hq_quality_group", "hq_discipline_office"})
# Directly under a province, these see every unrestricted complaint of the province.
PROVINCE_SUPERVISORS = frozenset({"supervision_line", "province_cs_department"})


def is_hq(org: Organisation, unit_id: str) -> bool:
    """Head office itself (not its offices): it sees and may do everything."""
    return unit_id in org and org.unit(unit_id).kind == "hq"


def unit_above(org: Organisation, unit_id: str) -> str | None:
    """The unit directly above (its parent); None for the root or an unknown unit."""
    return org.unit(unit_id).parent if unit_id in org else None


def is_self_or_above(org: Organisation, unit: str, of: str) -> bool:
    """True when `unit` is `of` or one of its ancestors (both known)."""
    return unit in org and of in org and org.is_self_or_above(unit, of)


def subtree(org: Organisation, root: str) -> frozenset[str]:
    """`root` and every unit below it (empty for an unknown unit)."""
    if root not in org:
        return frozenset()
    units, stack = [], [root]
    while stack:
        unit = stack.pop()
        units.append(unit)
        stack.extend(org.children.get(unit, ()))
    return frozenset(units)


def province_of(org: Organisation, unit_id: str | None) -> str | None:
    """The province company the unit belongs to (itself for a province); None at HQ."""
    if unit_id is None or unit_id not in org:
        return None
    for unit in (org.unit(unit_id), *org.ancestors(unit_id)):
        if unit.kind == "province":
            return unit.id
    return None


def province_member(org: Organisation, unit_id: str | None, kind: str) -> str | None:
    """The unit of `kind` directly under the province of `unit_id`, e.g. its supervision line."""
    province = province_of(org, unit_id)
    if province is None:
        return None
    return next((c for c in org.children[province] if org.unit(c).kind == kind), None)


def province_supervision_line(org: Organisation, unit_id: str | None) -> str | None:
    return province_member(org, unit_id, "supervision_line")


def province_cs_department(org: Organisation, unit_id: str | None) -> str | None:
    return province_member(org, unit_id, "province_cs_department")


def supervised_province(org: Organisation, unit_id: str) -> str | None:
    """The province a supervision line or customer-service department directly under a
    province supervises; None for every other unit."""
    if unit_id not in org:
        return None
    unit = org.unit(unit_id)
    if unit.kind not in PROVINCE_SUPERVISORS or unit.parent is None:
        return None
    return unit.parent if org.unit(unit.parent).kind == "province" else None


def branch_of(org: Organisation, unit_id: str | None) -> str | None:
    """The branch the unit belongs to (itself for a branch); None above branch level."""
    if unit_id is None or unit_id not in org:
        return None
    for unit in (org.unit(unit_id), *org.ancestors(unit_id)):
        if unit.kind == "branch":
            return unit.id
    return None


def timezone_of(org: Organisation, unit_id: str | None) -> str:
    """The unit's own time zone or the nearest ancestor's, else the organisation's."""
    if unit_id is None or unit_id not in org:
        return org.spec.timezone
    return org.inherited(unit_id, "timezone") or org.spec.timezone
