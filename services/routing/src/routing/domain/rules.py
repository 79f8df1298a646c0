"""Who owns a complaint: pure routing decisions over the organisation tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from complaints_shared.organisation import Organisation

HandlingLevel = Literal["branch", "province", "supervision", "hq"]


@dataclass(frozen=True)
class ComplaintFacts:
    """What routing needs to know about a complaint, taken from `complaint.received`."""

    kind: str
    channel: str
    receiving_unit: str
    business_line: str
    severity: str = "normal"
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RuleConsidered:
    rule: str
    fired: bool
    reason: str


@dataclass(frozen=True)
class Decision:
    owner_unit: str
    handling_level: HandlingLevel
    rule: str
    reason: str
    considered: tuple[RuleConsidered, ...] = ()
    also_involved: tuple[str, ...] = ()
    reported_to: tuple[str, ...] = ()
    restricted: bool = False
    extra: dict[str, str] = field(default_factory=dict)


_LEVEL_OF_KIND: dict[str, HandlingLevel] = {
    "branch": "branch",
    "branch_department": "branch",
    "outlet": "branch",
    "supervision_line": "supervision",
    "hq": "hq",
    "hq_office": "hq",
    "hq_quality_group": "hq",
    "hq_discipline_office": "hq",
}


def handling_level(org: Organisation, unit_id: str) -> HandlingLevel:
    """The level whose `resolve` budget applies when `unit_id` owns a complaint."""
    unit = org.unit(unit_id)
    if unit.kind in ("assistance_line", "hotline"):
        parent = org.unit(unit.parent) if unit.parent else unit
        return "branch" if parent.kind == "branch" else "province"
    return _LEVEL_OF_KIND.get(unit.kind, "province")


def route(facts: ComplaintFacts, org: Organisation) -> Decision:
    """The initial owner of a newly received complaint."""
    owner = facts.receiving_unit
    return Decision(
        owner_unit=owner,
        handling_level=handling_level(org, owner),
        rule="receiving_unit",
        reason=f"{owner} received the complaint and handles it",
        considered=(RuleConsidered("receiving_unit", True, "the receiving unit handles"),),
    )
