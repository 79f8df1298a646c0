"""Who is told what: plain functions over the organisation and what the notifier knows of a
complaint (docs/workflow.md#who-sees-what for who may see a complaint; docs/domain.md#hierarchy
and docs/domain.md#escalation for the hierarchy and escalation).

- `complaint.assigned`: the new owner (unless a `complaint.transferred` just told it), the
  units also involved, and for a media case the province customer-service department;
- `complaint.transferred`: the new owner;
- `sla.warning`: the owner;
- `sla.breached`: the owner (role `owner`), plus the province customer-service department for
  a media case (`media_desk`). Whom else a breach concerns is routing's one decision: its
  `complaint.escalated`;
- `complaint.escalated` (from the owner whose clock breached to the unit routing holds
  accountable): the accountable unit at once (`accountable`); the owner, unless the breach
  already told it (`owner`, at the first step); then widening with lateness, counted from the
  clock's due time: the unit above the accountable unit at the second step (`supervisor`) and
  the province supervision line at the third (`province_supervision`). Each unit once, with
  its earliest step, so the accountable unit is always told exactly once, at once;
- `complaint.resolved`: the receiving unit, unless it resolved the complaint itself;
- `complaint.extension_requested`: both units that may decide it (docs/workflow.md#who-may-act):
  the unit directly above the owner and the supervision line of the owner's province
  (`extension_decider`), each once, never the owner itself;
- `complaint.extension_decided`: the owner (`owner`).

Only a unit that may see the complaint is told (the shared `may_see`, on the involvement the
shared lifecycle folds): for a restricted case that is the units involved and the units above
them, never a sibling nor the province's supervising units unless involved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import (
    province_cs_department,
    province_supervision_line,
    unit_above,
)
from complaints_shared.workflow.visibility import may_see

from .facts import ComplaintFacts

# How late a breach is before each step is told: (owner, above the accountable unit,
# province supervision line); the accountable unit is told at once.
Steps = tuple[timedelta, timedelta, timedelta]


@dataclass(frozen=True)
class Recipient:
    unit: str
    # owner | involved | media_desk | accountable | supervisor | province_supervision | receiver
    # | extension_decider
    role: str
    after: timedelta = timedelta(0)  # how late a breach must be before this unit is told


def audience(
    org: Organisation,
    facts: ComplaintFacts,
    recipients: Iterable[Recipient],
    *,
    involving: Iterable[str] = (),
) -> list[Recipient]:
    """The units that may see the complaint, each once (with its earliest step), in the
    order given; the first mention of a unit keeps its role. `involving`: units the event
    itself shows involved (a clock's owner, the unit escalated to)."""
    involvement = facts.involvement(*involving)
    chosen: dict[str, Recipient] = {}
    for recipient in recipients:
        if not may_see(org, recipient.unit, involvement):
            continue
        earlier = chosen.get(recipient.unit)
        if earlier is None:
            chosen[recipient.unit] = recipient
        elif recipient.after < earlier.after:
            chosen[recipient.unit] = replace(earlier, after=recipient.after)
    return list(chosen.values())


def _media_desk(facts: ComplaintFacts, org: Organisation, near: str) -> list[Recipient]:
    if not facts.media:
        return []
    desk = province_cs_department(org, facts.receiving_unit or near)
    return [Recipient(desk, "media_desk")] if desk else []


def on_assignment(
    org: Organisation, facts: ComplaintFacts, owner: str, also_involved: Iterable[str]
) -> list[Recipient]:
    told = [] if facts.handoff_told == owner else [Recipient(owner, "owner")]
    told += [Recipient(unit, "involved") for unit in also_involved]
    return audience(org, facts, [*told, *_media_desk(facts, org, owner)])


def on_transfer(org: Organisation, facts: ComplaintFacts, to_unit: str) -> list[Recipient]:
    return audience(org, facts, [Recipient(to_unit, "owner")])


def on_warning(org: Organisation, facts: ComplaintFacts, owner: str) -> list[Recipient]:
    return audience(org, facts, [Recipient(owner, "owner")], involving=[owner])


def on_breach(
    org: Organisation, facts: ComplaintFacts, owner: str, after: timedelta = timedelta(0)
) -> list[Recipient]:
    """The owner of the breached clock (at its step) and, for a media case, the media desk."""
    told = [Recipient(owner, "owner", after), *_media_desk(facts, org, owner)]
    return audience(org, facts, told, involving=[owner])


def on_escalation(
    org: Organisation,
    facts: ComplaintFacts,
    *,
    from_unit: str,
    to_unit: str,
    steps: Steps,
    owner_told: bool,
) -> list[Recipient]:
    """The accountable unit at once; the owner unless already told of this breach; the unit
    above the accountable unit and the province supervision line as the breach grows late."""
    told = [Recipient(to_unit, "accountable")]
    if not owner_told:
        told.append(Recipient(from_unit, "owner", steps[0]))
    above = unit_above(org, to_unit)
    if above is not None:
        told.append(Recipient(above, "supervisor", steps[1]))
    line = province_supervision_line(org, to_unit)
    if line is not None:
        told.append(Recipient(line, "province_supervision", steps[2]))
    return audience(org, facts, told, involving=[from_unit, to_unit])


def on_resolution(org: Organisation, facts: ComplaintFacts, resolved_by: str) -> list[Recipient]:
    receiver = facts.receiving_unit
    if receiver is None or receiver == resolved_by:
        return []
    return audience(org, facts, [Recipient(receiver, "receiver")])


def on_extension_request(org: Organisation, facts: ComplaintFacts, owner: str) -> list[Recipient]:
    """Both units that may decide the request of `owner`: the unit directly above it and the
    supervision line of its province (never the owner itself)."""
    deciders = (unit_above(org, owner), province_supervision_line(org, owner))
    told = [Recipient(unit, "extension_decider") for unit in deciders if unit and unit != owner]
    return audience(org, facts, told, involving=[owner])


def on_extension_decision(org: Organisation, facts: ComplaintFacts, owner: str) -> list[Recipient]:
    return audience(org, facts, [Recipient(owner, "owner")], involving=[owner])
