"""Who may see what, and how units are grouped on the page (pure, over the organisation).

- A caller reads the subtree of its own unit: HQ every province, a province its branches,
  departments, lines and outlets, a branch itself and below. It may narrow that to a unit
  below it, never widen it (`ScopeRefused`).
- A complaint belongs to a scope when a unit of the subtree received, owned or was involved in
  it. A restricted (confidential) complaint is seen only by the units involved and by HQ.
- Figures are grouped by the next level below the scope: a province sees one row per branch
  (and per province department or line), a branch one per outlet, department or line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from complaints_shared.organisation import Organisation

from .model import Complaint


class ScopeRefused(Exception):
    """The caller may not read the unit it asked for (403), or the unit is unknown (422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Scope:
    caller: str
    root: str
    units: frozenset[str] | None  # the root and every unit below it; None: the whole tree

    @property
    def everything(self) -> bool:
        return self.units is None


def resolve_scope(org: Organisation, caller: str, unit: str | None) -> Scope:
    """The subtree `caller` asks for (its own unless it names a unit below it)."""
    root = unit or caller
    if caller not in org:
        raise ScopeRefused(403, f"unit {caller!r} is not in the organisation")
    if root not in org:
        raise ScopeRefused(422, f"unknown unit {root!r}")
    if not org.is_self_or_above(caller, root):
        raise ScopeRefused(403, f"{caller} may not read the figures of {root}")
    if org.unit(root).parent is None:
        return Scope(caller, root, None)
    return Scope(caller, root, frozenset(subtree(org, root)))


def subtree(org: Organisation, root: str) -> list[str]:
    units, queue = [], [root]
    while queue:
        unit = queue.pop()
        units.append(unit)
        queue.extend(org.children.get(unit, ()))
    return units


def may_see(org: Organisation, scope: Scope, complaint: Complaint) -> bool:
    involved = complaint.units_involved
    if complaint.restricted:
        caller_kind = org.unit(scope.caller).kind if scope.caller in org else None
        if scope.caller not in involved and caller_kind != "hq":
            return False
    if scope.everything:
        return bool(involved)
    return any(unit in scope.units for unit in involved)  # type: ignore[operator]


def grouper(org: Organisation, root: str):
    """`group(unit)`: the unit of the level below `root` that `unit` lies under.

    The root groups as itself; a unit outside the subtree (a complaint of the scope escalated
    to the HQ discipline office, say) groups as itself, and `outside(unit)` says so.
    """

    @cache
    def group(unit: str) -> str:
        if unit == root or unit not in org:
            return unit
        current = org.unit(unit)
        while current.parent is not None:
            if current.parent == root:
                return current.id
            current = org.unit(current.parent)
        return unit

    return group


def is_outside(org: Organisation, root: str, unit: str) -> bool:
    return unit not in org or not org.is_self_or_above(root, unit)


def unit_timezones(org: Organisation):
    """`zone(unit)`: the unit's own time zone or the nearest ancestor's, else the file's."""

    @cache
    def zone(unit: str | None) -> str:
        if unit is None or unit not in org:
            return org.spec.timezone
        return org.inherited(unit, "timezone") or org.spec.timezone

    return zone


def label(org: Organisation, unit: str) -> str:
    return (org.unit(unit).name or unit) if unit in org else unit
