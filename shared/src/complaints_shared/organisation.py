"""The organisation file: units, their hierarchy, calendars and contacts.

See docs/domain.md#the-organisation-file.

Plain data plus validation of the tree and its coverage (see `Organisation`); no routing rules.
Routing, the SLA monitor, the notifier and intake read it. `load_organisation` refuses a file
that is not a tree, or that leaves a province without a supervision line or a line uncovered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

UnitKind = Literal[
    "hq",
    "hq_quality_group",
    "hq_discipline_office",
    "hq_office",
    "province",
    "province_cs_department",
    "province_department",
    "supervision_line",
    "assistance_line",
    "hotline",
    "branch",
    "branch_department",
    "outlet",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OrganisationError(ValueError):
    """The organisation file is unusable; the message names the unit and the problem."""


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    email: str | None = None
    phone: str | None = None
    webhook: str | None = None
    sms: str | None = None


class CalendarSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    workweek: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    hours: tuple[str, ...] = ()
    holidays: tuple[str, ...] = ()
    workdays: tuple[str, ...] = ()
    official: str | None = Field(
        default=None, description="a shipped public-holiday schedule to merge in, e.g. 'cn'"
    )

    @field_validator("workweek")
    @classmethod
    def _known_days(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekday(s) {unknown}; use {list(WEEKDAYS)}")
        return days


class Unit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: UnitKind
    name: str | None = None
    parent: str | None = None
    lines: tuple[str, ...] = ()
    calendar: str | None = None
    timezone: str | None = None
    contacts: tuple[Contact, ...] = ()


class OrganisationFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "Asia/Shanghai"
    business_lines: tuple[str, ...] = ()
    calendars: dict[str, CalendarSpec] = {}
    units: tuple[Unit, ...]


class Organisation:
    """An indexed, validated organisation tree.

    Construction refuses, with an `OrganisationError` naming the unit:
    - structure (first problem found, since later checks need a tree): a duplicate id, an
      unknown parent, parents that form a cycle;
    - content (every problem at once, joined by "; "): an unknown calendar, a line a unit lists
      that is not in `business_lines`, a province without a supervision line among its
      children, a business line that no `province_department` of a province covers (checked
      per province: each province must be able to handle every line at its own level).
    """

    def __init__(self, spec: OrganisationFile) -> None:
        self.spec = spec
        self.units: dict[str, Unit] = {}
        for unit in spec.units:
            if unit.id in self.units:
                raise OrganisationError(f"unit {unit.id}: duplicate id")
            self.units[unit.id] = unit
        self.children: dict[str, list[str]] = {uid: [] for uid in self.units}
        self._by_kind: dict[str, list[Unit]] = {}
        for unit in spec.units:
            self._by_kind.setdefault(unit.kind, []).append(unit)
            if unit.parent is None:
                continue
            if unit.parent not in self.units:
                raise OrganisationError(f"unit {unit.id}: unknown parent {unit.parent!r}")
            self.children[unit.parent].append(unit.id)
        for unit in spec.units:
            self._check_no_cycle(unit.id)
        problems = [*self._calendar_problems(), *self._line_problems(), *self._province_problems()]
        if problems:
            raise OrganisationError("; ".join(problems))

    def _check_no_cycle(self, unit_id: str) -> None:
        seen = {unit_id}
        parent = self.units[unit_id].parent
        while parent is not None:
            if parent in seen:
                raise OrganisationError(
                    f"unit {unit_id}: its parents form a cycle through {parent}"
                )
            seen.add(parent)
            parent = self.units[parent].parent

    def _calendar_problems(self) -> Iterator[str]:
        for unit in self.spec.units:
            if unit.calendar is not None and unit.calendar not in self.spec.calendars:
                yield f"unit {unit.id}: unknown calendar {unit.calendar!r}"

    def _line_problems(self) -> Iterator[str]:
        known = set(self.spec.business_lines)
        for unit in self.spec.units:
            for line in unit.lines:
                if line not in known:
                    yield (
                        f"unit {unit.id}: line {line!r} is not one of business_lines "
                        f"{list(self.spec.business_lines)}"
                    )

    def _province_problems(self) -> Iterator[str]:
        covered: dict[str, set[str]] = {p.id: set() for p in self.units_of_kind("province")}
        for department in self.units_of_kind("province_department"):
            # A department belongs to the nearest province above it (normally its parent).
            province = next(
                (a for a in self.ancestors(department.id) if a.kind == "province"), None
            )
            if province is not None:
                covered[province.id].update(department.lines)
        for province in self.units_of_kind("province"):
            kinds = {self.units[child].kind for child in self.children[province.id]}
            if "supervision_line" not in kinds:
                yield (
                    f"unit {province.id}: province has no supervision line "
                    "(a child unit of kind supervision_line)"
                )
            for line in self.spec.business_lines:
                if line not in covered[province.id]:
                    yield (
                        f"unit {province.id}: business line {line!r} is covered by no "
                        "province_department of this province"
                    )

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.units

    def unit(self, unit_id: str) -> Unit:
        return self.units[unit_id]

    def ancestors(self, unit_id: str) -> Iterator[Unit]:
        """The unit's parent, its parent's parent, … up to the root."""
        parent = self.units[unit_id].parent
        while parent is not None:
            yield self.units[parent]
            parent = self.units[parent].parent

    def is_self_or_above(self, caller: str, unit_id: str) -> bool:
        """True when `caller` is `unit_id` or one of its ancestors."""
        return caller == unit_id or any(a.id == caller for a in self.ancestors(unit_id))

    def inherited(self, unit_id: str, attribute: Literal["calendar", "timezone"]) -> str | None:
        """A unit's own calendar or time zone, else the nearest ancestor's."""
        for unit in (self.units[unit_id], *self.ancestors(unit_id)):
            value = getattr(unit, attribute)
            if value is not None:
                return value
        return self.spec.timezone if attribute == "timezone" else None

    def contacts(self, unit_id: str) -> tuple[Contact, ...]:
        return self.units[unit_id].contacts

    def units_of_kind(self, kind: str) -> tuple[Unit, ...]:
        """Every unit of `kind`, in file order (an index, so lookups stay cheap on large trees)."""
        return tuple(self._by_kind.get(kind, ()))


def parse_organisation(data: object) -> Organisation:
    try:
        spec = OrganisationFile.model_validate(data)
    except ValidationError as exc:
        raise OrganisationError(_describe(exc, data)) from exc
    return Organisation(spec)


def load_organisation(path: str | Path) -> Organisation:
    with open(path, encoding="utf-8") as handle:
        return parse_organisation(yaml.safe_load(handle))


def _describe(exc: ValidationError, data: object) -> str:
    """Name the unit (by id) that a validation error is about, not just its index."""
    problems = []
    units = data.get("units", []) if isinstance(data, dict) else []
    for error in exc.errors():
        loc = list(error["loc"])
        where = ".".join(str(part) for part in loc)
        if len(loc) >= 2 and loc[0] == "units" and isinstance(loc[1], int) and loc[1] < len(units):
            unit = units[loc[1]]
            unit_id = unit.get("id", f"#{loc[1]}") if isinstance(unit, dict) else f"#{loc[1]}"
            where = f"unit {unit_id}: " + ".".join(str(part) for part in loc[2:])
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)
