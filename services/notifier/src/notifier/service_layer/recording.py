"""Recording alerts in the consumer's transaction: nothing is sent here.

Each alert gets a row keyed by (cause event, recipient, channel), so a redelivered event adds
nothing, and a delivery for the dispatcher: its own, or — when its recipient's rate limit is
spent — the digest that window sends at its end. Breaches, the log channel and later
escalation steps are never folded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts.envelope import Envelope, derived_id, new_id

from ..adapters.tables import alerts, deliveries, rate_windows
from ..domain.channels import LOG, Address, mask_recipient
from ..domain.messages import Text
from ..domain.policy import RateLimit, Window, admit


@dataclass(frozen=True)
class AlertDraft:
    cause: Envelope
    cause_type: str
    recipient_unit: str
    address: Address
    role: str
    language: str
    text: Text
    clock: str | None = None
    urgent: bool = False  # a breach: never held back
    scheduled_for: datetime | None = None  # a later escalation step

    @property
    def alert_id(self) -> str:
        discriminator = f"{self.recipient_unit}|{self.address.address}|{self.address.channel}"
        return derived_id(self.cause.id, "alert", discriminator)


class AlertBook:
    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit

    async def record(self, session: AsyncSession, drafts: list[AlertDraft], now: datetime) -> int:
        """Record each new alert with its delivery; return how many were new.

        Drafts are taken in recipient order, so two transactions that lock the same
        recipients' windows lock them in the same order (no deadlock).
        """
        recorded = 0
        for draft in sorted(drafts, key=lambda d: (d.address.key, d.alert_id)):
            if await self._insert_alert(session, draft):
                await self._deliver(session, draft, now)
                recorded += 1
        return recorded

    async def _insert_alert(self, session: AsyncSession, draft: AlertDraft) -> bool:
        cause = draft.cause
        statement = (
            insert(alerts)
            .values(
                alert_id=draft.alert_id,
                complaint_id=cause.subject,
                cause_event_id=cause.id,
                cause_type=draft.cause_type,
                recipient_unit=draft.recipient_unit,
                channel=draft.address.channel,
                recipient=mask_recipient(draft.address),
                status="pending",
                attempts=0,
                message=draft.text.body,
                subject=draft.text.subject,
                role=draft.role,
                clock=draft.clock,
                language=draft.language,
                scheduled_for=draft.scheduled_for,
                correlation_id=cause.correlation_id or cause.id,
                trace=dict(cause.trace),
            )
            .on_conflict_do_nothing()
            .returning(alerts.c.alert_id)
        )
        return (await session.execute(statement)).first() is not None

    async def _deliver(self, session: AsyncSession, draft: AlertDraft, now: datetime) -> None:
        alone, window, digest_id = True, None, None
        if draft.address.channel != LOG:  # the log is the operator's record, nobody's inbox
            current, digest_id = await self._lock_window(session, draft.address.key, now)
            if current is None or now >= current.end(self.limit):
                digest_id = None  # a new window: the last one's digest is its own business
            urgent = draft.urgent or draft.scheduled_for is not None
            alone, window = admit(current, now, urgent=urgent, limit=self.limit)
        if alone:
            delivery_id = draft.alert_id
            due = draft.scheduled_for or now
            await self._insert_delivery(session, draft, delivery_id, "single", due)
        else:
            assert window is not None
            delivery_id = digest_id = await self._open_digest(session, draft, digest_id, window)
        if window is not None:
            await session.execute(
                update(rate_windows)
                .where(rate_windows.c.recipient_key == draft.address.key)
                .values(window_start=window.start, sent=window.sent, digest_id=digest_id)
            )
        await session.execute(
            update(alerts)
            .where(alerts.c.alert_id == draft.alert_id)
            .values(delivery_id=delivery_id, status="pending" if alone else "folded")
        )

    async def _lock_window(
        self, session: AsyncSession, key: str, now: datetime
    ) -> tuple[Window | None, str | None]:
        """The recipient's window, locked until this transaction ends (None: first message)."""
        await session.execute(
            insert(rate_windows)
            .values(recipient_key=key, window_start=now, sent=0)
            .on_conflict_do_nothing()
        )
        row = (
            await session.execute(
                select(rate_windows).where(rate_windows.c.recipient_key == key).with_for_update()
            )
        ).one()
        if row.sent == 0:
            return None, None
        return Window(row.window_start, row.sent), row.digest_id

    async def _open_digest(
        self, session: AsyncSession, draft: AlertDraft, digest_id: str | None, window: Window
    ) -> str:
        """The window's digest if it has not started going out; else a new one at its end."""
        if digest_id is not None:
            status = (
                await session.execute(
                    select(deliveries.c.status)
                    .where(deliveries.c.delivery_id == digest_id)
                    .with_for_update()
                )
            ).scalar()
            if status == "pending":
                return digest_id
        digest_id = new_id()
        await self._insert_delivery(session, draft, digest_id, "digest", window.end(self.limit))
        return digest_id

    async def _insert_delivery(
        self,
        session: AsyncSession,
        draft: AlertDraft,
        delivery_id: str,
        kind: str,
        due: datetime,
    ) -> None:
        await session.execute(
            insert(deliveries)
            .values(
                delivery_id=delivery_id,
                kind=kind,
                channel=draft.address.channel,
                address=draft.address.address,
                recipient=mask_recipient(draft.address),
                recipient_unit=draft.recipient_unit,
                language=draft.language,
                status="pending",
                attempts=0,
                next_attempt_at=due,
            )
            .on_conflict_do_nothing()
        )

    async def call_off(
        self, session: AsyncSession, complaint_id: str, clock: str, stopped_at: datetime
    ) -> int:
        """Cancel the escalation steps of a breached clock that stopped before they were due.

        Only steps not yet attempted are called off; one already going out is recorded as sent.
        """
        steps = select(alerts.c.delivery_id).where(
            alerts.c.complaint_id == complaint_id,
            alerts.c.clock == clock,
            alerts.c.status == "pending",
            alerts.c.scheduled_for > stopped_at,
        )
        cancelled = (
            await session.execute(
                update(deliveries)
                .where(
                    deliveries.c.delivery_id.in_(steps),
                    deliveries.c.status == "pending",
                    deliveries.c.attempts == 0,
                )
                .values(status="cancelled", finished_at=stopped_at)
                .returning(deliveries.c.delivery_id)
            )
        ).scalars()
        ids = list(cancelled)
        if ids:
            await session.execute(
                update(alerts)
                .where(alerts.c.delivery_id.in_(ids))
                .values(status="cancelled", reason=f"the {clock} clock stopped first")
            )
        return len(ids)
