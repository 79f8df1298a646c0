"""The notifier's handlers: keep the complaint's facts, decide who is told what, record it;
the dispatcher sends.

Every event that changes who is involved in a complaint (its receipt, assignments, hand-offs,
reports, escalations, clocks started and stopped, unit actions) is folded into the shared
lifecycle state (`ComplaintFacts.observe`), so whom the notifier tells and who may read its
alerts follow the same rule as every other read path. Each handler runs in the consumer's
transaction together with the inbox record, so it only reads and writes the notifier's
database: a slow or failing channel never holds up a partition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import personal_data_events as p
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.logging import get_logger
from complaints_shared.messaging.consumer import Handler
from complaints_shared.organisation import Organisation

from ..config import NotifierSettings
from ..domain import recipients as who
from .escalation import EscalationHandlers
from .recording import AlertBook
from .stores import StoresFor
from .telling import Plan, Teller

log = get_logger("notifier.alerts")

# Unit actions somebody is told of; every other one is folded for the facts only.
TOLD_ACTIONS: tuple[type[Event], ...] = (c.Resolved, c.ExtensionRequested, c.ExtensionDecided)

# Folded for the facts only: nobody is told of them.
FOLDED_ONLY: tuple[type[Event], ...] = (
    *(cls for cls in c.UNIT_ACTIONS.values() if cls not in TOLD_ACTIONS),
    r.ComplaintReported,
    s.ClockStarted,
)


class NotifierHandlers:
    def __init__(
        self,
        org: Organisation,
        settings: NotifierSettings,
        book: AlertBook,
        stores: StoresFor,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.stores = stores
        self.teller = Teller(org, settings, book, now)
        self.escalation = EscalationHandlers(self.teller, stores)

    def registry(self) -> dict[type, Handler]:
        return {
            **{cls: self.note_event for cls in FOLDED_ONLY},
            c.ComplaintReceived: self.note_complaint,
            p.PersonalDataErased: self.forget_customer,
            r.ComplaintAssigned: self.alert_new_owner,
            r.ComplaintTransferred: self.alert_new_owner_of_transfer,
            s.SlaWarning: self.alert_owner_of_warning,
            c.Resolved: self.alert_receiving_unit,
            c.ExtensionRequested: self.alert_extension_deciders,
            c.ExtensionDecided: self.alert_owner_of_extension_decision,
            **self.escalation.registry(),
        }

    async def note_event(self, session: AsyncSession, envelope: Envelope, event: Event) -> None:
        """Fold an event into the complaint's state; nobody is told."""
        stores = self.stores(session)
        before = await self.teller.facts(stores, envelope)
        after = before.observe(event, envelope.time, envelope.id)
        await self.teller.remember(stores, envelope, before, after)

    async def note_complaint(
        self, session: AsyncSession, envelope: Envelope, event: c.ComplaintReceived
    ) -> None:
        """Remember what later alerts need, with the customer masked at once."""
        stores = self.stores(session)
        before = await self.teller.facts(stores, envelope)
        facts = replace(
            before.observe(event, envelope.time, envelope.id),
            media=event.channel == "media" or "media_exposure" in event.flags,
            customer=f"{event.customer.name} {event.customer.phone}",  # masked on the log
        )
        await self.teller.remember(stores, envelope, before, facts)

    async def forget_customer(
        self, session: AsyncSession, envelope: Envelope, event: p.PersonalDataErased
    ) -> None:
        """Erasure: the masked customer leaves the facts (later alerts show none) and the
        texts of the complaint's alerts."""
        stores = self.stores(session)
        before = await self.teller.facts(stores, envelope)
        if before.customer:
            await stores.alerts.forget_customer(envelope.subject, before.customer)
        await self.teller.remember(stores, envelope, before, replace(before, customer=""))

    async def alert_new_owner(
        self, session: AsyncSession, envelope: Envelope, event: r.ComplaintAssigned
    ) -> None:
        stores = self.stores(session)
        t = self.teller
        before = await t.facts(stores, envelope)
        facts = before.observe(event, envelope.time, envelope.id)
        told = who.on_assignment(t.org, facts, event.owner_unit, event.also_involved)
        await t.remember(stores, envelope, before, replace(facts, handoff_told=None))
        about = t.about(envelope, facts, event.owner_unit, level=event.handling_level)
        await t.tell(stores, envelope, event, "assigned", [(u, about, None) for u in told])

    async def alert_new_owner_of_transfer(
        self, session: AsyncSession, envelope: Envelope, event: r.ComplaintTransferred
    ) -> None:
        stores = self.stores(session)
        t = self.teller
        before = await t.facts(stores, envelope)
        facts = before.observe(event, envelope.time, envelope.id)
        told = who.on_transfer(t.org, facts, event.to_unit)
        await t.remember(stores, envelope, before, replace(facts, handoff_told=event.to_unit))
        about = t.about(envelope, facts, event.to_unit, from_unit=t.name(event.from_unit))
        await t.tell(stores, envelope, event, "transferred", [(u, about, None) for u in told])

    async def alert_owner_of_warning(
        self, session: AsyncSession, envelope: Envelope, event: s.SlaWarning
    ) -> None:
        """The owner, unless the log already breached this run of the clock (the breach alert
        says more). Recorded however late it is applied: the dispatcher does not send it once
        its due time has passed (`expires_at`), nor after the clock stopped."""
        stores = self.stores(session)
        t = self.teller
        facts = await t.facts(stores, envelope)
        breach = facts.breach_of(event.clock)
        if breach is not None and breach.due_at >= event.due_at:
            log.info("warning after its breach", clock=event.clock, point=event.point)
            return
        told = who.on_warning(t.org, facts, event.owner_unit)
        about = t.about(
            envelope,
            facts,
            event.owner_unit,
            clock=event.clock,
            due_at=event.due_at,
            remaining_seconds=event.remaining_seconds,
        )
        plan: Plan = [(u, about, None) for u in told]
        await t.tell(
            stores, envelope, event, "warning", plan, clock=event.clock, expires_at=event.due_at
        )

    async def alert_receiving_unit(
        self, session: AsyncSession, envelope: Envelope, event: c.Resolved
    ) -> None:
        stores = self.stores(session)
        t = self.teller
        before = await t.facts(stores, envelope)
        facts = before.observe(event, envelope.time, envelope.id)
        await t.remember(stores, envelope, before, facts)
        told = who.on_resolution(t.org, facts, event.unit)
        about = t.about(envelope, facts, event.unit)
        await t.tell(stores, envelope, event, "resolved", [(u, about, None) for u in told])

    async def alert_extension_deciders(
        self, session: AsyncSession, envelope: Envelope, event: c.ExtensionRequested
    ) -> None:
        """Both units that may decide: the unit above the owner, the province supervision line."""
        stores = self.stores(session)
        t = self.teller
        before = await t.facts(stores, envelope)
        facts = before.observe(event, envelope.time, envelope.id)
        await t.remember(stores, envelope, before, facts)
        owner = facts.state.owner_unit or event.unit
        told = who.on_extension_request(t.org, facts, owner)
        about = t.about(envelope, facts, event.unit, until=event.until, reason=event.reason)
        plan: Plan = [(u, about, None) for u in told]
        await t.tell(stores, envelope, event, "extension_requested", plan)

    async def alert_owner_of_extension_decision(
        self, session: AsyncSession, envelope: Envelope, event: c.ExtensionDecided
    ) -> None:
        """The owner: approved (with the new deadline, when the request was seen) or refused."""
        stores = self.stores(session)
        t = self.teller
        before = await t.facts(stores, envelope)
        facts = before.observe(event, envelope.time, envelope.id)
        await t.remember(stores, envelope, before, facts)
        pending = before.state.pending_extension
        request = pending if pending and pending.request_id == event.request_id else None
        owner = facts.state.owner_unit or (request.unit if request else None)
        if owner is None:
            log.warning("extension decided for an unknown owner", request_id=event.request_id)
            return
        told = who.on_extension_decision(t.org, facts, owner)
        approved = event.decision == "approved"
        about = t.about(
            envelope,
            facts,
            event.unit,
            until=request.until if request and approved else None,
            reason=event.reason,
        )
        plan: Plan = [(u, about, None) for u in told]
        await t.tell(stores, envelope, event, f"extension_{event.decision}", plan)
