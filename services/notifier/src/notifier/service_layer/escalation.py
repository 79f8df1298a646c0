"""Breaches and their escalation (routing decides whom a breach concerns; this tells them).

- `sla.breached`: the owner of the clock (and a media case's media desk), remembering the
  breach: whom it told, when the clock was due;
- `complaint.escalated`: the unit routing holds accountable at once, the owner if the breach
  did not tell it, then the unit above the accountable unit and the province supervision line
  once the breach is as late as their steps say (scheduled alerts);
- `sla.clock_stopped`: calls off the steps not yet due and the clock's warnings not yet sent.

Each runs in the consumer's transaction with the inbox record and only touches the notifier's
database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler

from ..domain import recipients as who
from ..domain.facts import Breach, ComplaintFacts
from ..domain.recipients import Recipient
from .stores import StoresFor
from .telling import Plan, Teller


class EscalationHandlers:
    def __init__(self, teller: Teller, stores: StoresFor) -> None:
        self.teller = teller
        self.stores = stores

    def registry(self) -> dict[type, Handler]:
        return {
            s.SlaBreached: self.alert_owner_of_breach,
            r.ComplaintEscalated: self.alert_accountable_unit,
            s.ClockStopped: self.call_off_escalation,
        }

    async def alert_owner_of_breach(
        self, session: AsyncSession, envelope: Envelope, event: s.SlaBreached
    ) -> None:
        stores = self.stores(session)
        t = self.teller
        before = await t.facts(stores, envelope)
        told = who.on_breach(t.org, before, event.owner_unit, t.steps[0])
        owner_told = any(recipient.unit == event.owner_unit for recipient in told)
        breach = Breach(event.owner_unit, event.due_at, owner_told=owner_told)
        await t.remember(stores, envelope, before, before.with_breach(event.clock, breach))
        plan = self._plan(envelope, before, told, breach, event.clock, about=event.owner_unit)
        await t.tell(stores, envelope, event, "breached", plan, clock=event.clock, urgent=True)

    async def alert_accountable_unit(
        self, session: AsyncSession, envelope: Envelope, event: r.ComplaintEscalated
    ) -> None:
        """The accountable unit at once; the owner unless told; wider as the breach ages."""
        stores = self.stores(session)
        t = self.teller
        before = await t.facts(stores, envelope)
        facts = before.observe(event, envelope.time, envelope.id)
        breach = facts.breach_of(event.clock)
        if breach is None or breach.owner != event.from_unit:
            # The breach was not seen: routing's event carries the breach's due time as its time.
            breach = Breach(event.from_unit, envelope.time)
        told = who.on_escalation(
            t.org,
            facts,
            from_unit=event.from_unit,
            to_unit=event.to_unit,
            steps=t.steps,
            owner_told=breach.owner_told,
        )
        if any(recipient.unit == event.from_unit for recipient in told):
            facts = facts.with_breach(event.clock, replace(breach, owner_told=True))
        await t.remember(stores, envelope, before, facts)
        plan = self._plan(
            envelope,
            facts,
            told,
            breach,
            event.clock,
            about=event.to_unit,
            from_unit=t.name(event.from_unit),
        )
        await t.tell(stores, envelope, event, "escalated", plan, clock=event.clock, urgent=True)

    async def call_off_escalation(
        self, session: AsyncSession, envelope: Envelope, event: s.ClockStopped
    ) -> None:
        stores = self.stores(session)
        t = self.teller
        before = await t.facts(stores, envelope)
        after = before.observe(event, envelope.time, envelope.id).clock_stopped(
            event.clock, event.stopped_at
        )
        await t.remember(stores, envelope, before, after)
        await t.book.call_off(stores.alerts, envelope.subject, event.clock, event.stopped_at)

    def _plan(
        self,
        envelope: Envelope,
        facts: ComplaintFacts,
        told: list[Recipient],
        breach: Breach,
        clock: str,
        *,
        about: str,
        **details: str,
    ) -> Plan:
        """Each recipient at its step after the due time: at once when the step is not after
        the event (the breach and routing's escalation are dated at the due time), else
        scheduled for it, however late the notifier applies the event (a step already past
        then goes out at once); a step after the clock stopped is moot and left out. Decided
        by the log alone: a replay records the same alerts."""
        plan: Plan = []
        for recipient in told:
            step_at: datetime = breach.due_at + recipient.after
            if breach.stopped_at is not None and step_at > breach.stopped_at:
                continue
            alert = self.teller.about(
                envelope,
                facts,
                about,
                clock=clock,
                due_at=breach.due_at,
                late_seconds=int(recipient.after.total_seconds()),
                **details,
            )
            plan.append((recipient, alert, step_at if step_at > envelope.time else None))
        return plan
