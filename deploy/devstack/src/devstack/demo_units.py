"""The units of the demo month: who receives a complaint, who routing names as its owner,
where an owner hands it on, who decides an extension, and the staff of each unit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import cast

from complaints_shared.organisation import Organisation

from .demo_vocabulary import BRANCHES, CHANNELS, GIVEN, SEED, SURNAMES


def handlers_of(unit: str) -> tuple[dict[str, str], ...]:
    """Three members of staff of `unit`, the same on every run."""
    rng = random.Random(f"{SEED}:{unit}")
    return tuple(
        {
            "id": f"{unit.lower()}-{rng.randint(100, 999)}{n}",
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        }
        for n in range(3)
    )


def province_of(unit: str) -> str:
    return unit.split("-", 1)[0]


def supervision_line(unit: str) -> str:
    return f"{province_of(unit)}-SUP"


def line_department(level: str, line: str) -> str:
    return f"{level}-{line.upper()}"


@dataclass(frozen=True)
class Receipt:
    receiving_unit: str
    channel: str
    line: str
    severity: str
    flags: tuple[str, ...]
    owner: str  # as routing decides (docs/domain.md#initial-routing-rules)


CHANNEL_WEIGHTS = (8, 22, 6, 24, 6, 6, 4, 5, 5, 5, 9)  # in the order of CHANNELS


def expected_owner(
    org: Organisation,
    receiving: str,
    channel: str,
    line: str,
    severity: str,
    flags: tuple[str, ...],
) -> str:
    """The first owner routing names for the receipts the demo draws (a subset of the rules)."""
    unit = org.unit(receiving)
    province = province_of(receiving)
    if "discipline" in flags:
        return "HQ-DIO"
    if channel == "media" or "media_exposure" in flags:
        return f"{province}-CS"
    if severity == "major":
        return f"{province}-SUP"
    if unit.kind == "hotline":
        return f"{unit.parent}-AST"
    if unit.kind in ("assistance_line", "supervision_line"):
        return receiving
    if unit.kind in ("outlet", "branch_department") and line in unit.lines:
        return receiving
    if unit.kind == "outlet":
        return line_department(unit.parent or "", line)
    return line_department(receiving, line)  # a branch or a province: its department


def draw_receipt(
    rng: random.Random, org: Organisation, province: str, line: str, channel: str | None = None
) -> Receipt:
    branch = rng.choice(BRANCHES[province])
    outlet = f"{branch}-0{rng.randint(1, 2)}"
    channel = channel or rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
    severity, flags = "normal", cast(tuple[str, ...], ())
    if channel in ("on_site", "opinion_book"):
        receiving = outlet
    elif channel == "online":
        receiving = rng.choice((outlet, branch))
    elif channel == "hotline":
        receiving = rng.choices((f"{branch}-HOT", f"{province}-HOT"), weights=(3, 1))[0]
    elif channel == "assistance_line":
        receiving = f"{branch}-AST"
    elif channel == "supervision_line":
        receiving = rng.choice((f"{branch}-SUP", f"{province}-SUP"))
    elif channel == "department":
        receiving = line_department(branch, line)
    elif channel == "media":
        receiving = rng.choice((branch, outlet))
    else:  # letter, email, consumer_hotline (referred by 12315)
        receiving = rng.choice((branch, branch, province))
    if channel == "on_site":
        roll = rng.random()
        if roll < 0.12:
            severity = "major"  # the province supervision line owns it
        elif roll < 0.17:
            flags = ("discipline",)  # the HQ discipline-inspection office owns it
    owner = expected_owner(org, receiving, channel, line, severity, flags)
    return Receipt(receiving, channel, line, severity, flags, owner)


def transfer_target(org: Organisation, owner: str, line: str) -> str | None:
    """Where an owner hands a complaint on, when it does (to_unit given)."""
    kind = org.unit(owner).kind
    parent = org.unit(owner).parent or ""
    if kind == "outlet":
        return line_department(parent, line)
    if kind == "assistance_line" and org.unit(parent).kind == "branch":
        return line_department(parent, line)
    if kind == "branch_department":
        return line_department(province_of(owner), line)
    return None


def extension_decider(org: Organisation, owner: str, rng: random.Random) -> str:
    """The province supervision line, or the unit directly above the owner; never the owner."""
    above = org.unit(owner).parent or "HQ"
    if owner.startswith("HQ"):
        return above
    sup = supervision_line(owner)
    if sup == owner:
        return above
    return above if rng.random() < 0.3 else sup
