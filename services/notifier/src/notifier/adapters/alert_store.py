"""The recording side's reads and writes of `alerts`, `deliveries` and `rate_windows`.

Everything here runs in the consumer's transaction. An alert is inserted once (its id is
derived from the cause, recipient and channel, so a redelivered event adds nothing); a
recipient's rate window is locked (`FOR UPDATE`) until the transaction ends, so two
transactions telling the same recipient take turns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.policy import Window
from .tables import alerts, deliveries, rate_windows


@dataclass(frozen=True)
class NewAlert:
    """An alert as first recorded: `pending`, never attempted, not yet given a delivery."""

    alert_id: str
    complaint_id: str
    cause_event_id: str
    cause_type: str
    recipient_unit: str
    channel: str
    recipient: str  # masked
    message: str
    subject: str
    role: str
    clock: str | None
    language: str
    scheduled_for: datetime | None
    correlation_id: str
    trace: dict[str, str]
    expires_at: datetime | None = None  # a warning: not sent after its clock's due time


@dataclass(frozen=True)
class NewDelivery:
    """A delivery as first recorded: `pending`, never attempted, due at `next_attempt_at`."""

    delivery_id: str
    kind: str  # single | digest
    channel: str
    address: str
    recipient: str  # masked
    recipient_unit: str
    language: str
    next_attempt_at: datetime


class AlertStore(Protocol):
    """What recording an alert needs; every method runs in the caller's transaction."""

    async def add_alert(self, alert: NewAlert) -> bool:
        """Insert the alert unless its id is known; True when it is new."""
        ...

    async def lock_window(self, key: str, now: datetime) -> tuple[Window | None, str | None]:
        """The recipient's window and its digest, locked until the transaction ends; (None,
        None) when nothing was sent to it yet (the window row is created, opening at `now`)."""
        ...

    async def save_window(self, key: str, window: Window, digest_id: str | None) -> None: ...

    async def lock_delivery_status(self, delivery_id: str) -> str | None:
        """The delivery's status, locked until the transaction ends; None when unknown."""
        ...

    async def add_delivery(self, delivery: NewDelivery) -> None:
        """Insert the delivery unless its id is known."""
        ...

    async def attach(self, alert_id: str, delivery_id: str, *, folded: bool) -> None:
        """The alert rides on `delivery_id`: `folded` into a digest, else `pending`."""
        ...

    async def call_off(self, complaint_id: str, clock: str, stopped_at: datetime) -> int:
        """Cancel the clock's escalation steps scheduled after `stopped_at` that were never
        attempted, with their deliveries; return how many deliveries were cancelled. The
        clock's warnings still waiting for a delivery not yet claimed are `superseded` (the
        dispatcher cancels a delivery left with nothing to carry)."""
        ...

    async def forget_customer(self, complaint_id: str, masked: str) -> None:
        """Erasure: the masked customer leaves the texts of the complaint's alerts."""
        ...


class SqlAlertStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_alert(self, alert: NewAlert) -> bool:
        statement = (
            insert(alerts)
            .values(**asdict(alert), status="pending", attempts=0)
            .on_conflict_do_nothing()
            .returning(alerts.c.alert_id)
        )
        return (await self.session.execute(statement)).first() is not None

    async def lock_window(self, key: str, now: datetime) -> tuple[Window | None, str | None]:
        await self.session.execute(
            insert(rate_windows)
            .values(recipient_key=key, window_start=now, sent=0)
            .on_conflict_do_nothing()
        )
        row = (
            await self.session.execute(
                select(rate_windows).where(rate_windows.c.recipient_key == key).with_for_update()
            )
        ).one()
        if row.sent == 0:
            return None, None
        return Window(row.window_start, row.sent), row.digest_id

    async def save_window(self, key: str, window: Window, digest_id: str | None) -> None:
        await self.session.execute(
            update(rate_windows)
            .where(rate_windows.c.recipient_key == key)
            .values(window_start=window.start, sent=window.sent, digest_id=digest_id)
        )

    async def lock_delivery_status(self, delivery_id: str) -> str | None:
        status: str | None = (
            await self.session.execute(
                select(deliveries.c.status)
                .where(deliveries.c.delivery_id == delivery_id)
                .with_for_update()
            )
        ).scalar()
        return status

    async def add_delivery(self, delivery: NewDelivery) -> None:
        await self.session.execute(
            insert(deliveries)
            .values(**asdict(delivery), status="pending", attempts=0)
            .on_conflict_do_nothing()
        )

    async def attach(self, alert_id: str, delivery_id: str, *, folded: bool) -> None:
        await self.session.execute(
            update(alerts)
            .where(alerts.c.alert_id == alert_id)
            .values(delivery_id=delivery_id, status="folded" if folded else "pending")
        )

    async def call_off(self, complaint_id: str, clock: str, stopped_at: datetime) -> int:
        steps = select(alerts.c.delivery_id).where(
            alerts.c.complaint_id == complaint_id,
            alerts.c.clock == clock,
            alerts.c.status == "pending",
            alerts.c.scheduled_for > stopped_at,
        )
        cancelled = await self.session.execute(
            update(deliveries)
            .where(
                deliveries.c.delivery_id.in_(steps),
                deliveries.c.status == "pending",
                deliveries.c.attempts == 0,
            )
            .values(status="cancelled", finished_at=stopped_at)
            .returning(deliveries.c.delivery_id)
        )
        ids = list(cancelled.scalars())
        if ids:
            await self.session.execute(
                update(alerts)
                .where(alerts.c.delivery_id.in_(ids))
                .values(status="cancelled", reason=f"the {clock} clock stopped first")
            )
        await self._supersede_warnings(complaint_id, clock)
        return len(ids)

    async def _supersede_warnings(self, complaint_id: str, clock: str) -> None:
        """Open warnings of the clock whose delivery is still pending (locked, so a dispatcher
        claiming it meanwhile keeps it: what it sends is recorded as sent)."""
        open_warnings = (
            alerts.c.complaint_id == complaint_id,
            alerts.c.clock == clock,
            alerts.c.expires_at.is_not(None),
            alerts.c.status.in_(("pending", "folded")),
        )
        waiting = (
            select(deliveries.c.delivery_id)
            .where(
                deliveries.c.delivery_id.in_(select(alerts.c.delivery_id).where(*open_warnings)),
                deliveries.c.status == "pending",
            )
            .with_for_update()
        )
        await self.session.execute(
            update(alerts)
            .where(*open_warnings, alerts.c.delivery_id.in_(waiting))
            .values(status="superseded", reason=f"the {clock} clock stopped first")
        )

    async def forget_customer(self, complaint_id: str, masked: str) -> None:
        await self.session.execute(
            update(alerts)
            .where(alerts.c.complaint_id == complaint_id)
            .values(message=func.replace(alerts.c.message, masked, ERASED_CUSTOMER))
        )


ERASED_CUSTOMER = "—"  # what an alert shows for a customer whose personal data was erased
