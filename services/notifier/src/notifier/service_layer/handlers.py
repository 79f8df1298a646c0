"""The notifier's handlers: decide who is told what and record it; the dispatcher sends.

Each runs in the consumer's transaction together with the inbox record, so it only reads and
writes the notifier's database: a slow or failing channel never holds up a partition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.logging import get_logger
from complaints_shared.masking import mask_name, mask_phone
from complaints_shared.messaging.consumer import Handler
from complaints_shared.organisation import Organisation

from ..adapters import facts as facts_store
from ..config import NotifierSettings
from ..domain import recipients as who
from ..domain.channels import addresses
from ..domain.messages import AlertFacts, language_of, render
from ..domain.recipients import ComplaintFacts, Recipient
from .recording import AlertBook, AlertDraft

log = get_logger("notifier.alerts")

# One alert per recipient: whom, about what, and (for a later escalation step) when.
Plan = list[tuple[Recipient, AlertFacts, datetime | None]]


class NotifierHandlers:
    def __init__(
        self,
        org: Organisation,
        settings: NotifierSettings,
        book: AlertBook,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.org = org
        self.settings = settings
        self.book = book
        self.now = now
        owner, above, province = settings.alert_escalation_after_seconds
        self.steps = (
            timedelta(seconds=owner),
            timedelta(seconds=above),
            timedelta(seconds=province),
        )

    def registry(self) -> dict[type, Handler]:
        return {
            c.ComplaintReceived: self.note_complaint,
            r.ComplaintAssigned: self.alert_new_owner,
            r.ComplaintTransferred: self.alert_new_owner_of_transfer,
            s.SlaWarning: self.alert_owner_of_warning,
            s.SlaBreached: self.alert_chain_of_breach,
            s.ClockStopped: self.call_off_escalation,
            c.Resolved: self.alert_receiving_unit,
        }

    async def note_complaint(
        self, session: AsyncSession, envelope: Envelope, event: c.ComplaintReceived
    ) -> None:
        """Remember what later alerts need, with the customer masked at once."""
        facts = ComplaintFacts(
            receiving_unit=event.receiving_unit,
            media=event.channel == "media" or "media_exposure" in event.flags,
            restricted="major_liability" in event.flags,
            involved=frozenset({event.receiving_unit}),
            customer=f"{mask_name(event.customer.name)} {mask_phone(event.customer.phone)}",
        )
        await facts_store.save(session, envelope.subject, facts)

    async def alert_new_owner(
        self, session: AsyncSession, envelope: Envelope, event: r.ComplaintAssigned
    ) -> None:
        facts = await self._facts(session, envelope)
        facts = replace(
            facts.involving(event.owner_unit, *event.also_involved),
            restricted=facts.restricted or event.restricted,
        )
        told = who.on_assignment(self.org, facts, event.owner_unit, event.also_involved)
        await facts_store.save(session, envelope.subject, replace(facts, handoff_told=None))
        about = self._about(envelope, facts, event.owner_unit, level=event.handling_level)
        await self._tell(session, envelope, event, "assigned", [(t, about, None) for t in told])

    async def alert_new_owner_of_transfer(
        self, session: AsyncSession, envelope: Envelope, event: r.ComplaintTransferred
    ) -> None:
        facts = (await self._facts(session, envelope)).involving(event.to_unit)
        told = who.on_transfer(self.org, facts, event.to_unit)
        await facts_store.save(
            session, envelope.subject, replace(facts, handoff_told=event.to_unit)
        )
        about = self._about(envelope, facts, event.to_unit, from_unit=self._name(event.from_unit))
        await self._tell(session, envelope, event, "transferred", [(t, about, None) for t in told])

    async def alert_owner_of_warning(
        self, session: AsyncSession, envelope: Envelope, event: s.SlaWarning
    ) -> None:
        if event.due_at <= self.now():
            log.info("warning superseded by its due time", clock=event.clock, point=event.point)
            return  # the breach alert says more, and says it now
        facts = await self._facts(session, envelope)
        told = who.on_warning(self.org, facts, event.owner_unit)
        about = self._about(
            envelope,
            facts,
            event.owner_unit,
            clock=event.clock,
            due_at=event.due_at,
            remaining_seconds=event.remaining_seconds,
        )
        plan: Plan = [(t, about, None) for t in told]
        await self._tell(session, envelope, event, "warning", plan, clock=event.clock)

    async def alert_chain_of_breach(
        self, session: AsyncSession, envelope: Envelope, event: s.SlaBreached
    ) -> None:
        """The escalation chain, each step once the breach is as late as the step says."""
        facts, now = await self._facts(session, envelope), self.now()
        plan: Plan = []
        for recipient in who.on_breach(self.org, facts, event.owner_unit, self.steps):
            step_at = event.due_at + recipient.after
            about = self._about(
                envelope,
                facts,
                event.owner_unit,
                clock=event.clock,
                due_at=event.due_at,
                late_seconds=int((max(now, step_at) - event.due_at).total_seconds()),
            )
            plan.append((recipient, about, step_at if step_at > now else None))
        await self._tell(session, envelope, event, "breached", plan, clock=event.clock, urgent=True)

    async def call_off_escalation(
        self, session: AsyncSession, envelope: Envelope, event: s.ClockStopped
    ) -> None:
        await self.book.call_off(session, envelope.subject, event.clock, event.stopped_at)

    async def alert_receiving_unit(
        self, session: AsyncSession, envelope: Envelope, event: c.Resolved
    ) -> None:
        facts = await self._facts(session, envelope)
        told = who.on_resolution(self.org, facts, event.unit)
        about = self._about(envelope, facts, event.unit)
        await self._tell(session, envelope, event, "resolved", [(t, about, None) for t in told])

    # -- helpers ----------------------------------------------------------------------------
    async def _facts(self, session: AsyncSession, envelope: Envelope) -> ComplaintFacts:
        return await facts_store.load(session, envelope.subject) or ComplaintFacts()

    def _name(self, unit_id: str) -> str:
        return (self.org.unit(unit_id).name if unit_id in self.org else None) or unit_id

    def _about(
        self, envelope: Envelope, facts: ComplaintFacts, unit_id: str, **details
    ) -> AlertFacts:
        return AlertFacts(
            complaint_id=envelope.subject,
            link=f"{self.settings.public_base_url.rstrip('/')}/v1/complaints/{envelope.subject}",
            unit=self._name(unit_id),
            customer=facts.customer,
            **details,
        )

    def language_for(self, unit_id: str) -> str:
        chosen = self.settings.alert_unit_languages
        for unit in (self.org.unit(unit_id), *self.org.ancestors(unit_id)):
            if unit.id in chosen:
                return chosen[unit.id]
        return language_of(self.settings.alert_language)

    async def _tell(
        self,
        session: AsyncSession,
        envelope: Envelope,
        event: Event,
        kind: str,
        plan: Plan,
        *,
        clock: str | None = None,
        urgent: bool = False,
    ) -> None:
        drafts = []
        for recipient, about, scheduled_for in plan:
            language = self.language_for(recipient.unit)
            timezone = self.org.inherited(recipient.unit, "timezone") or "UTC"
            text = render(kind, language, timezone, replace(about, role=recipient.role))
            contacts = self.org.contacts(recipient.unit)
            if not contacts:
                log.warning("unit has no contacts to tell", unit=recipient.unit, alert=kind)
            for contact in contacts:
                for address in addresses(
                    contact,
                    email=bool(self.settings.smtp_host),
                    sms=bool(self.settings.sms_gateway_url),
                ):
                    drafts.append(
                        AlertDraft(
                            cause=envelope,
                            cause_type=event.NAME,
                            recipient_unit=recipient.unit,
                            address=address,
                            role=recipient.role,
                            language=language,
                            text=text,
                            clock=clock,
                            urgent=urgent,
                            scheduled_for=scheduled_for,
                        )
                    )
        await self.book.record(session, drafts, self.now())
