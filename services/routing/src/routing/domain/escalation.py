"""Who supervises an owner whose `start`, `investigate`, `resolve` or `committed` clock
breached (docs/domain.md#escalation)."""

from __future__ import annotations

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import (
    HQ_KINDS,
    province_cs_department,
    province_of,
    province_supervision_line,
)

from .hierarchy import hq_office, level_unit


def escalation_target(org: Organisation, owner_unit: str) -> str | None:
    """The unit that supervises `owner_unit`, to which a breached complaint is escalated.

    - outlet, branch department, branch line → the branch: it is the service-management
      department of its level (docs/domain.md#unit-kinds);
    - branch → the province's service management: its customer-service department, the unit
      that coordinates and supervises the province's service; a province without one → the
      province supervision line;
    - province company, province departments and lines (but the supervision line) → the
      province supervision line;
    - province supervision line → HQ quality-service leadership group;
    - HQ and its offices → None: nobody above them handles complaints.
    (The table of docs/domain.md#escalation.)
    The target always ranks strictly above the owner (`hierarchy.rank`), so repeated
    escalation ends at HQ within five steps. Idempotence is the adapter's business.
    Raises `KeyError` for an unknown unit.
    """
    unit = org.unit(owner_unit)
    if unit.kind in HQ_KINDS:
        return None
    level = level_unit(org, owner_unit)
    if level is None or level.kind == "hq":
        return hq_office(org, "hq_quality_group")
    if level.kind == "branch" and unit.id != level.id:
        return level.id
    if province_of(org, owner_unit) is None:
        # A branch outside any province (a malformed tree): its parent is all there is.
        return unit.parent
    supervision = province_supervision_line(org, owner_unit)
    if unit.kind == "branch":
        return province_cs_department(org, owner_unit) or supervision
    if unit.kind == "supervision_line":
        return hq_office(org, "hq_quality_group")
    return supervision
