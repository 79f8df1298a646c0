"""Events the routing service appends: who owns a complaint, and every hand-off."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .base import Event


class RuleOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    fired: bool
    reason: str


class ComplaintAssigned(Event):
    NAME = "complaint.assigned"

    owner_unit: str
    handling_level: str
    rule: str
    reason: str
    previous_owner: str | None = None
    also_involved: tuple[str, ...] = ()
    reported_to: tuple[str, ...] = ()
    restricted: bool = False
    considered: tuple[RuleOutcome, ...] = ()


class ComplaintTransferred(Event):
    NAME = "complaint.transferred"

    from_unit: str
    to_unit: str
    reason: str
    rule: str
    requested_by: str | None = None


class TransferRejected(Event):
    NAME = "complaint.transfer_rejected"

    requested_by: str
    to_unit: str | None = None
    reason: str
    rule: str


class ComplaintReported(Event):
    """A receipt reported on to a unit that must know (a supervision line, HQ); not a hand-off."""

    NAME = "complaint.reported"

    to_unit: str
    by_unit: str
    reason: str


class ComplaintEscalated(Event):
    NAME = "complaint.escalated"

    from_unit: str
    to_unit: str
    clock: str
    reason: str
