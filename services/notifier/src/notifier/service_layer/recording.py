"""Recording alerts in the consumer's transaction: nothing is sent here.

Each alert gets a row keyed by (cause event, recipient, channel), so a redelivered event adds
nothing, and a delivery for the dispatcher: its own, or — when its recipient's rate limit is
spent — the digest that window sends at its end. Breaches, the log channel and later
escalation steps are never folded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from complaints_shared.contracts.envelope import Envelope, derived_id, new_id

from ..adapters.alert_store import AlertStore, NewAlert, NewDelivery
from ..domain.channels import LOG, Address, mask_recipient
from ..domain.messages import AlertText
from ..domain.policy import RateLimit, Window, admit


@dataclass(frozen=True)
class AlertDraft:
    cause: Envelope
    cause_type: str
    recipient_unit: str
    address: Address
    role: str
    language: str
    text: AlertText
    clock: str | None = None
    urgent: bool = False  # a breach: never held back
    scheduled_for: datetime | None = None  # a later escalation step
    expires_at: datetime | None = None  # a warning: not sent after its clock's due time

    @property
    def alert_id(self) -> str:
        discriminator = f"{self.recipient_unit}|{self.address.address}|{self.address.channel}"
        return derived_id(self.cause.id, "alert", discriminator)

    def new_alert(self) -> NewAlert:
        cause = self.cause
        return NewAlert(
            alert_id=self.alert_id,
            complaint_id=cause.subject,
            cause_event_id=cause.id,
            cause_type=self.cause_type,
            recipient_unit=self.recipient_unit,
            channel=self.address.channel,
            recipient=mask_recipient(self.address),
            message=self.text.body,
            subject=self.text.subject,
            role=self.role,
            clock=self.clock,
            language=self.language,
            scheduled_for=self.scheduled_for,
            expires_at=self.expires_at,
            correlation_id=cause.correlation_id or cause.id,
            trace=dict(cause.trace),
        )

    def new_delivery(self, delivery_id: str, kind: str, due: datetime) -> NewDelivery:
        return NewDelivery(
            delivery_id=delivery_id,
            kind=kind,
            channel=self.address.channel,
            address=self.address.address,
            recipient=mask_recipient(self.address),
            recipient_unit=self.recipient_unit,
            language=self.language,
            next_attempt_at=due,
        )


class AlertBook:
    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit

    async def record(self, store: AlertStore, drafts: list[AlertDraft], now: datetime) -> int:
        """Record each new alert with its delivery; return how many were new.

        Drafts are taken in recipient order, so two transactions that lock the same
        recipients' windows lock them in the same order (no deadlock).
        """
        recorded = 0
        for draft in sorted(drafts, key=lambda d: (d.address.key, d.alert_id)):
            if await store.add_alert(draft.new_alert()):
                await self._deliver(store, draft, now)
                recorded += 1
        return recorded

    async def _deliver(self, store: AlertStore, draft: AlertDraft, now: datetime) -> None:
        alone, window, digest_id = True, None, None
        if draft.address.channel != LOG:  # the log is the operator's record, nobody's inbox
            current, digest_id = await store.lock_window(draft.address.key, now)
            if current is None or now >= current.end(self.limit):
                digest_id = None  # a new window: the last one's digest is its own business
            urgent = draft.urgent or draft.scheduled_for is not None
            alone, window = admit(current, now, urgent=urgent, limit=self.limit)
        if alone:
            delivery_id = draft.alert_id
            due = draft.scheduled_for or now
            await store.add_delivery(draft.new_delivery(delivery_id, "single", due))
        else:
            assert window is not None
            delivery_id = digest_id = await self._open_digest(store, draft, digest_id, window)
        if window is not None:
            await store.save_window(draft.address.key, window, digest_id)
        await store.attach(draft.alert_id, delivery_id, folded=not alone)

    async def _open_digest(
        self, store: AlertStore, draft: AlertDraft, digest_id: str | None, window: Window
    ) -> str:
        """The window's digest if it has not started going out; else a new one at its end."""
        if digest_id is not None and await store.lock_delivery_status(digest_id) == "pending":
            return digest_id
        digest_id = new_id()
        due = window.end(self.limit)
        await store.add_delivery(draft.new_delivery(digest_id, "digest", due))
        return digest_id

    async def call_off(
        self, store: AlertStore, complaint_id: str, clock: str, stopped_at: datetime
    ) -> int:
        """Cancel the escalation steps of a breached clock that stopped before they were due.

        Only steps not yet attempted are called off; one already going out is recorded as sent.
        """
        return await store.call_off(complaint_id, clock, stopped_at)
