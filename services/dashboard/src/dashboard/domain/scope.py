"""Which complaints a scope shows, and how units are grouped on the page (pure).

- A caller reads the figures of its own unit, or of a unit below it that it names; never of a
  unit above or beside it (`ScopeRefused`).
- A scope shows what its unit sees by the shared rule (docs/workflow.md#who-sees-what,
  `complaints_shared.workflow.visibility`): the complaints involving a unit of its subtree,
  restricted ones included; HQ everything; a province's supervision line and customer-service
  department also every unrestricted complaint of their province. The caller is at or above
  the scope's unit, so it may see all of that; a single complaint is shown to whoever may see it.
- Figures are grouped by the next level below the scope: a province sees one row per branch
  (and per province department or line), a branch one per outlet, department or line. A
  province's supervision line or customer-service department is grouped like its province.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import subtree, timezone_of
from complaints_shared.workflow.visibility import Involvement, Sight, sees, sight_of


class ScopeRefused(Exception):
    """The caller may not read the unit it asked for (403), or the unit is unknown (422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Scope:
    caller: str
    root: str  # the unit whose figures these are
    sight: Sight  # what `root` sees
    groups_under: str  # rows are the units directly below this one

    @property
    def everything(self) -> bool:
        return self.sight.everything


def resolve_scope(org: Organisation, caller: str, unit: str | None) -> Scope:
    """The scope `caller` asks for (its own unit unless it names a unit below it)."""
    root = unit or caller
    if caller not in org:
        raise ScopeRefused(403, f"unit {caller!r} is not in the organisation")
    if root not in org:
        raise ScopeRefused(422, f"unknown unit {root!r}")
    if not org.is_self_or_above(caller, root):
        raise ScopeRefused(403, f"{caller} may not read the figures of {root}")
    sight = sight_of(org, root)
    return Scope(caller, root, sight, min(sight.provinces, default=root))


def shows(org: Organisation, sight: Sight, involvement: Involvement) -> bool:
    """Whether a reader with `sight` is shown a complaint. One no unit is involved in yet (its
    receipt has not reached the dashboard) is unknown to everyone."""
    return bool(involvement.involved) and sees(org, sight, involvement)


@dataclass(frozen=True)
class Reach:
    """The complaints a sight may see, as a database can select them: those involving one of
    `units`, and the unrestricted ones involving one of `unrestricted`. `shows` decides."""

    units: frozenset[str]
    unrestricted: frozenset[str]


def reach(org: Organisation, sight: Sight) -> Reach | None:
    """None when the sight takes in every complaint."""
    if sight.everything:
        return None
    provinces = [subtree(org, province) for province in sorted(sight.provinces)]
    return Reach(sight.units, frozenset().union(*provinces))


def grouper(org: Organisation, root: str) -> Callable[[str], str]:
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


def unit_timezones(org: Organisation) -> Callable[[str | None], str]:
    """`zone(unit)`: the unit's time zone name (the shared rule), remembered per unit."""

    @cache
    def zone(unit: str | None) -> str:
        return timezone_of(org, unit)

    return zone


def label(org: Organisation, unit: str) -> str:
    return (org.unit(unit).name or unit) if unit in org else unit
