"""Who may see a complaint (docs/workflow.md "Who sees what"): one answer for every read path.

A unit sees a complaint when it is, or is above, a unit involved in it (the receiving unit,
every owner, every unit it was reported or escalated to, every unit owning one of its clocks);
head office sees everything; a province's supervision line and customer-service department see
every complaint of their province. A restricted case is seen only by the units involved and the
units above them: not by a sibling, nor by the province's supervising units unless involved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from complaints_shared.organisation import Organisation

from .hierarchy import is_hq, province_of, subtree, supervised_province


@dataclass(frozen=True)
class Involvement:
    """What visibility needs to know of one complaint."""

    involved: frozenset[str]
    restricted: bool = False


def provinces_of(org: Organisation, involved: Iterable[str]) -> frozenset[str]:
    """The provinces the involved units belong to (what the province supervisors see by)."""
    return frozenset(p for p in (province_of(org, u) for u in involved) if p is not None)


@dataclass(frozen=True)
class Sight:
    """What one caller sees, in a form a query can use: a complaint is visible when
    `everything`, or one of its involved units is in `units`, or it is unrestricted and one of
    its provinces is in `provinces`."""

    caller: str
    everything: bool
    units: frozenset[str]
    provinces: frozenset[str]


def sight_of(org: Organisation, caller: str) -> Sight:
    """The caller's sight; a caller not in the organisation sees nothing."""
    if caller not in org:
        return Sight(caller, False, frozenset(), frozenset())
    if is_hq(org, caller):
        return Sight(caller, True, frozenset(), frozenset())
    province = supervised_province(org, caller)
    return Sight(caller, False, subtree(org, caller), frozenset({province} if province else ()))


def sees(org: Organisation, sight: Sight, involvement: Involvement) -> bool:
    """Whether a caller with `sight` sees a complaint with `involvement`."""
    if sight.everything:
        return True
    if not sight.units.isdisjoint(involvement.involved):
        return True
    if involvement.restricted or not sight.provinces:
        return False
    return not sight.provinces.isdisjoint(provinces_of(org, involvement.involved))


def may_see(org: Organisation, caller: str, involvement: Involvement) -> bool:
    """Whether `caller` may see the complaint: the rule every read and action path applies."""
    return sees(org, sight_of(org, caller), involvement)
