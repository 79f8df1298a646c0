"""Who is told what (issue 5 item 1): plain functions over the organisation and a complaint.

- `complaint.assigned`: the new owner (unless a `complaint.transferred` just told it), the
  units also involved, and for a media case the province customer-service department;
- `complaint.transferred`: the new owner;
- `sla.warning`: the owner;
- `sla.breached`: the escalation chain — the owner, the unit above it, the province
  supervision line — each once the breach is as late as its step says (widening with time),
  plus the province customer-service department for a media case;
- `complaint.resolved`: the receiving unit, unless it resolved the complaint itself.

A restricted (major liability) complaint is told only to the units allowed to see it: the
units involved in it (receiving unit, owners, co-handlers) and head office, as intake shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from complaints_shared.organisation import Organisation, Unit


@dataclass(frozen=True)
class ComplaintFacts:
    """What the notifier remembers of a complaint (never the customer's plain data)."""

    receiving_unit: str | None = None
    media: bool = False
    restricted: bool = False
    involved: frozenset[str] = field(default_factory=frozenset)
    handoff_told: str | None = None  # a new owner already told by `complaint.transferred`
    customer: str = ""  # masked name and phone, as alerts show them

    def involving(self, *units: str | None) -> ComplaintFacts:
        return replace(self, involved=self.involved | {u for u in units if u})


@dataclass(frozen=True)
class Recipient:
    unit: str
    role: str  # owner | involved | media_desk | supervisor | province_supervision | receiver
    after: timedelta = timedelta(0)  # how late a breach must be before this unit is told


def may_be_told(org: Organisation, facts: ComplaintFacts, unit_id: str) -> bool:
    if unit_id not in org:
        return False
    if not facts.restricted:
        return True
    return unit_id in facts.involved or org.unit(unit_id).kind == "hq"


def audience(
    org: Organisation, facts: ComplaintFacts, recipients: Iterable[Recipient]
) -> list[Recipient]:
    """Known, allowed units, each once (with its earliest step), in the order given."""
    chosen: dict[str, Recipient] = {}
    for recipient in recipients:
        if not may_be_told(org, facts, recipient.unit):
            continue
        earlier = chosen.get(recipient.unit)
        if earlier is None:
            chosen[recipient.unit] = recipient
        elif recipient.after < earlier.after:
            chosen[recipient.unit] = replace(earlier, after=recipient.after)
    return list(chosen.values())


def province_of(org: Organisation, unit_id: str) -> Unit | None:
    if unit_id not in org:
        return None
    return next(
        (u for u in (org.unit(unit_id), *org.ancestors(unit_id)) if u.kind == "province"), None
    )


def province_member(org: Organisation, unit_id: str | None, kind: str) -> str | None:
    """The unit of `kind` directly under the province of `unit_id` (e.g. its supervision line)."""
    province = province_of(org, unit_id) if unit_id else None
    if province is None:
        return None
    return next((c for c in org.children[province.id] if org.unit(c).kind == kind), None)


def _media_desk(org: Organisation, facts: ComplaintFacts, near: str) -> list[Recipient]:
    if not facts.media:
        return []
    desk = province_member(org, facts.receiving_unit or near, "province_cs_department")
    return [Recipient(desk, "media_desk")] if desk else []


def on_assignment(
    org: Organisation, facts: ComplaintFacts, owner: str, also_involved: Iterable[str]
) -> list[Recipient]:
    told = [] if facts.handoff_told == owner else [Recipient(owner, "owner")]
    told += [Recipient(unit, "involved") for unit in also_involved]
    return audience(org, facts, [*told, *_media_desk(org, facts, owner)])


def on_transfer(org: Organisation, facts: ComplaintFacts, to_unit: str) -> list[Recipient]:
    return audience(org, facts, [Recipient(to_unit, "owner")])


def on_warning(org: Organisation, facts: ComplaintFacts, owner: str) -> list[Recipient]:
    return audience(org, facts, [Recipient(owner, "owner")])


def escalation_chain(
    org: Organisation, owner: str, steps: tuple[timedelta, timedelta, timedelta]
) -> list[Recipient]:
    """The owner, the unit above it, the province supervision line, with their steps."""
    if owner not in org:
        return []
    above = org.unit(owner).parent
    chain = [Recipient(owner, "owner", steps[0])]
    if above is not None:
        chain.append(Recipient(above, "supervisor", steps[1]))
    supervision = province_member(org, owner, "supervision_line")
    if supervision is not None:
        chain.append(Recipient(supervision, "province_supervision", steps[2]))
    return chain


def on_breach(
    org: Organisation,
    facts: ComplaintFacts,
    owner: str,
    steps: tuple[timedelta, timedelta, timedelta],
) -> list[Recipient]:
    chain = escalation_chain(org, owner, steps)
    return audience(org, facts, [*chain, *_media_desk(org, facts, owner)])


def on_resolution(org: Organisation, facts: ComplaintFacts, resolved_by: str) -> list[Recipient]:
    receiver = facts.receiving_unit
    if receiver is None or receiver == resolved_by:
        return []
    return audience(org, facts, [Recipient(receiver, "receiver")])


def may_read(org: Organisation, caller: str, involved: Iterable[str], *, restricted: bool) -> bool:
    """A unit reads a complaint's alerts as intake lets it read the complaint: when it, or a
    unit below it, is involved; a restricted complaint only when involved itself, or HQ."""
    if caller not in org:
        return False
    if restricted:
        return caller in involved or org.unit(caller).kind == "hq"
    return any(u in org and org.is_self_or_above(caller, u) for u in involved)
