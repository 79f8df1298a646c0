"""The values routing reads and returns: complaint facts in, a decision (or a rejection) out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

HandlingLevel = Literal["branch", "province", "supervision", "hq"]


@dataclass(frozen=True)
class RoutingFacts:
    """What routing needs to know about a complaint, taken from `complaint.received`.

    `flags` is only ever tested for membership, never iterated: a frozenset's order depends on
    string hashing, which would break "same input, same decision".
    """

    kind: str
    channel: str
    receiving_unit: str
    business_line: str
    severity: str = "normal"
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RuleConsidered:
    """One rule evaluated for a decision: whether it fired, and why (in words for an office)."""

    rule: str
    fired: bool
    reason: str


@dataclass(frozen=True)
class Decision:
    """Who owns the complaint now, at what handling level, and why.

    - `rule` / `reason`: the rule that chose the owner.
    - `considered`: every rule evaluated, in order (backs `GET /v1/routing/explain`).
    - `also_involved`: units that work on the case beside the owner (media's line department,
      the would-be owners of special routes that a higher-precedence route overrode).
    - `reported_to`: units told of the receipt at once (a line's supervision line, the province
      and HQ quality group for a major liability case). Never contains the owner.
    - `restricted`: confidential; visibility limited (major liability or criminal case).
    - `extra`: small string facts for the event (`handed_on_by`, transfer `from_unit`, ...).
    """

    owner_unit: str
    handling_level: HandlingLevel
    rule: str
    reason: str
    considered: tuple[RuleConsidered, ...] = ()
    also_involved: tuple[str, ...] = ()
    reported_to: tuple[str, ...] = ()
    restricted: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransferRefusal:
    """Why the rules refuse a transfer request: `rule` is a stable refusal code, `reason` the
    words. The handler records it as the `complaint.transfer_rejected` event.

    Codes (docs/domain.md#transfers): `unknown_unit`, `not_owner`, `too_many_transfers`,
    `unknown_reason`, `no_target`, `self_transfer`, `against_hierarchy`, `not_a_handling_unit`,
    `does_not_cover_line`, `loop`.
    """

    reason: str
    rule: str


class UnknownUnitError(ValueError):
    """A complaint names a receiving unit that is not in the organisation."""
