"""Telling: turn a plan (which unit, about what, when) into recorded alerts, one per address
of each of the unit's contacts, in the recipient's language and time zone. Nothing is sent
here: the alert book records, the dispatcher sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.logging import get_logger
from complaints_shared.organisation import Contact, Organisation
from complaints_shared.workflow.hierarchy import timezone_of

from ..config import NotifierSettings
from ..domain.channels import Address, addresses
from ..domain.facts import ComplaintFacts
from ..domain.messages import AlertFacts, language_of, render
from ..domain.recipients import Recipient, Steps
from .recording import AlertBook, AlertDraft
from .stores import Stores

log = get_logger("notifier.alerts")

# One alert per recipient: whom, about what, and (for a later escalation step) when.
Plan = list[tuple[Recipient, AlertFacts, datetime | None]]


class Teller:
    def __init__(
        self,
        org: Organisation,
        settings: NotifierSettings,
        book: AlertBook,
        now: Callable[[], datetime],
    ) -> None:
        self.org = org
        self.settings = settings
        self.book = book
        self.now = now
        first, second, third = settings.alert_escalation_after_seconds
        self.steps: Steps = (
            timedelta(seconds=first),
            timedelta(seconds=second),
            timedelta(seconds=third),
        )

    async def facts(self, stores: Stores, envelope: Envelope) -> ComplaintFacts:
        return await stores.facts.load(envelope.subject) or ComplaintFacts()

    async def remember(
        self,
        stores: Stores,
        envelope: Envelope,
        before: ComplaintFacts,
        after: ComplaintFacts,
    ) -> None:
        """Store the facts when the event changed them (most events change nothing)."""
        if after != before:
            await stores.facts.save(envelope.subject, after)

    def name(self, unit_id: str) -> str:
        return (self.org.unit(unit_id).name if unit_id in self.org else None) or unit_id

    def about(
        self, envelope: Envelope, facts: ComplaintFacts, unit_id: str, **details: Any
    ) -> AlertFacts:
        return AlertFacts(
            complaint_id=envelope.subject,
            link=f"{self.settings.public_base_url.rstrip('/')}/v1/complaints/{envelope.subject}",
            unit=self.name(unit_id),
            customer=facts.customer,
            **details,
        )

    def language_for(self, unit_id: str) -> str:
        chosen = self.settings.alert_unit_languages
        for unit in (self.org.unit(unit_id), *self.org.ancestors(unit_id)):
            if unit.id in chosen:
                return chosen[unit.id]
        return language_of(self.settings.alert_language)

    async def tell(
        self,
        stores: Stores,
        envelope: Envelope,
        event: Event,
        kind: str,
        plan: Plan,
        *,
        clock: str | None = None,
        urgent: bool = False,
        expires_at: datetime | None = None,
    ) -> None:
        """Record one alert per address of each planned recipient's contacts; one that
        `expires_at` (a warning: its due time) is not sent after it.

        `now` only places the deliveries (rate windows, when they are due); what is recorded
        of each alert is a function of the event and the facts, so a replay records the same."""
        drafts: list[AlertDraft] = []
        for recipient, about, scheduled_for in plan:
            language = self.language_for(recipient.unit)
            timezone = timezone_of(self.org, recipient.unit)
            text = render(kind, language, timezone, replace(about, role=recipient.role))
            contacts = self.org.contacts(recipient.unit)
            if not contacts:
                log.warning("unit has no contacts to tell", unit=recipient.unit, alert=kind)
            drafts += [
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
                    expires_at=expires_at,
                )
                for address in self._addresses(contacts)
            ]
        await self.book.record(stores.alerts, drafts, self.now())

    def _addresses(self, contacts: Iterable[Contact]) -> list[Address]:
        """Every address of the contacts, on the channels this notifier has configured."""
        email, sms = bool(self.settings.smtp_host), bool(self.settings.sms_gateway_url)
        return [a for contact in contacts for a in addresses(contact, email=email, sms=sms)]
