"""How a complaint came in, and the shape of a routing rule's answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from complaints_shared.organisation import Organisation, Unit
from complaints_shared.workflow.hierarchy import province_of

from .hierarchy import LINE_KINDS, level_unit, line_near
from .model import RoutingFacts

_CHANNEL_LINES = {"hotline", "assistance_line", "supervision_line"}


@dataclass(frozen=True)
class Receipt:
    """Where and how a complaint came in.

    `line_kind` is the phone line that took it: the receiving unit's own kind when it is a line
    (the unit that physically received it outranks a contradictory channel), else the channel
    when the channel is one of the three lines, else None. `line_unit` is that line's unit at
    the receiving level (or the level above when the level has none).
    """

    facts: RoutingFacts
    unit: Unit
    level: Unit | None
    province: str | None  # the province company's id; None above any province
    line_kind: str | None
    line_unit: str | None


def receipt_of(facts: RoutingFacts, org: Organisation) -> Receipt:
    """Resolve the receiving unit, its level and province, and the line that took the call."""
    unit = org.unit(facts.receiving_unit)
    line_kind: str | None
    line_unit: str | None
    if unit.kind in LINE_KINDS:
        line_kind, line_unit = unit.kind, unit.id
    elif facts.channel in _CHANNEL_LINES:
        line_kind, line_unit = facts.channel, line_near(org, unit.id, (facts.channel,))
    else:
        line_kind, line_unit = None, None
    return Receipt(
        facts, unit, level_unit(org, unit.id), province_of(org, unit.id), line_kind, line_unit
    )


@dataclass(frozen=True)
class Proposal:
    owner: str | None  # None: the rule does not apply, `reason` says why
    reason: str
    also: tuple[str, ...] = ()
    reported: tuple[str, ...] = ()


Rule = Callable[[Receipt, Organisation], Proposal]
