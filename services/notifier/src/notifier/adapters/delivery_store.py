"""The dispatcher's reads and writes of `deliveries` and their `alerts`, behind `DeliveryStore`.

A delivery is claimed by setting it `sending` with a lease (`FOR UPDATE SKIP LOCKED`, so
several dispatchers share the work); one whose lease ran out (its dispatcher died) is claimed
again. An outcome is recorded only by the claim that is still current (same attempt number).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import alerts, deliveries

d = deliveries.c
a = alerts.c
OPEN = ("pending", "folded")  # alert states still waiting for their delivery
SUPERSEDED = "its clock was due before it went out"


@dataclass(frozen=True)
class Delivery:
    """A claimed delivery: what to send, to whom, and which attempt this is."""

    delivery_id: str
    kind: str  # single | digest
    channel: str
    address: str
    recipient: str  # masked
    recipient_unit: str
    language: str
    attempts: int
    next_attempt_at: datetime


@dataclass(frozen=True)
class StoredAlert:
    """An alert as a delivery carries it, and as its outcome events tell of it."""

    alert_id: str
    complaint_id: str
    cause_event_id: str
    cause_type: str
    recipient_unit: str
    channel: str
    recipient: str  # masked
    attempts: int
    message: str
    subject: str | None = None
    role: str | None = None
    clock: str | None = None
    correlation_id: str | None = None
    trace: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None  # a warning: not sent after its clock's due time


class DeliveryStore(Protocol):
    """What the dispatcher needs; every method runs in the caller's transaction."""

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        """Up to `limit` due deliveries (or ones whose lease ran out), set `sending` until
        `now + lease` with one more attempt; earliest due first."""
        ...

    async def next_due(self) -> datetime | None:
        """When the next delivery is due or the next lease runs out."""
        ...

    async def open_alerts(self, delivery_id: str) -> list[StoredAlert]:
        """The alerts still waiting for the delivery, in the order they were recorded."""
        ...

    async def mark_sent(self, claimed: Delivery, now: datetime) -> list[StoredAlert]:
        """The delivery went out: it and its alerts are sent; returns those alerts (none when
        the claim is no longer current)."""
        ...

    async def mark_failed(self, claimed: Delivery, now: datetime, reason: str) -> list[StoredAlert]:
        """Given up for good: it and its alerts are failed; returns those alerts."""
        ...

    async def retry_later(self, claimed: Delivery, at: datetime, reason: str) -> bool:
        """Pending again until `at`; False when the claim is no longer current."""
        ...

    async def mark_empty(self, claimed: Delivery, now: datetime) -> None:
        """Nothing left to carry (its alerts were called off): cancelled."""
        ...

    async def supersede(
        self, claimed: Delivery, alert_ids: list[str], now: datetime, *, whole: bool
    ) -> None:
        """These open alerts of the delivery are no longer worth sending (a warning past its
        due time): `superseded`; so is the delivery when they are all it carried (`whole`)."""
        ...


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        delivery_id=row.delivery_id,
        kind=row.kind,
        channel=row.channel,
        address=row.address,
        recipient=row.recipient,
        recipient_unit=row.recipient_unit,
        language=row.language,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
    )


def _alert(row: Row[Any]) -> StoredAlert:
    return StoredAlert(
        alert_id=row.alert_id,
        complaint_id=row.complaint_id,
        cause_event_id=row.cause_event_id,
        cause_type=row.cause_type,
        recipient_unit=row.recipient_unit,
        channel=row.channel,
        recipient=row.recipient,
        attempts=row.attempts,
        message=row.message,
        subject=row.subject,
        role=row.role,
        clock=row.clock,
        correlation_id=row.correlation_id,
        trace=dict(row.trace or {}),
        expires_at=row.expires_at,
    )


class SqlDeliveryStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        due = (
            select(d.delivery_id)
            .where(
                or_(
                    and_(d.status == "pending", d.next_attempt_at <= now),
                    and_(d.status == "sending", d.lease_until < now),
                )
            )
            .order_by(d.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await self.session.execute(
            update(deliveries)
            .where(d.delivery_id.in_(due))
            .values(status="sending", attempts=d.attempts + 1, lease_until=now + lease)
            .returning(deliveries)
        )
        return sorted(map(_delivery, claimed.all()), key=lambda row: row.next_attempt_at)

    async def next_due(self) -> datetime | None:
        pending = select(func.min(d.next_attempt_at)).where(d.status == "pending")
        leased = select(func.min(d.lease_until)).where(d.status == "sending")
        times = [(await self.session.execute(q)).scalar() for q in (pending, leased)]
        return min((t for t in times if t is not None), default=None)

    async def open_alerts(self, delivery_id: str) -> list[StoredAlert]:
        statement = (
            select(alerts).where(a.delivery_id == delivery_id, a.status.in_(OPEN)).order_by(a.seq)
        )
        return [_alert(row) for row in (await self.session.execute(statement)).all()]

    async def mark_sent(self, claimed: Delivery, now: datetime) -> list[StoredAlert]:
        if not await self._settle(claimed, status="sent", finished_at=now, last_error=None):
            return []
        return await self._close_alerts(
            claimed, status="sent", attempts=claimed.attempts, sent_at=now
        )

    async def mark_failed(self, claimed: Delivery, now: datetime, reason: str) -> list[StoredAlert]:
        if not await self._settle(claimed, status="failed", finished_at=now, last_error=reason):
            return []
        return await self._close_alerts(
            claimed, status="failed", attempts=claimed.attempts, reason=reason
        )

    async def retry_later(self, claimed: Delivery, at: datetime, reason: str) -> bool:
        if not await self._settle(claimed, status="pending", next_attempt_at=at, last_error=reason):
            return False
        await self.session.execute(
            update(alerts)
            .where(a.delivery_id == claimed.delivery_id, a.status.in_(OPEN))
            .values(attempts=claimed.attempts, reason=reason)
        )
        return True

    async def mark_empty(self, claimed: Delivery, now: datetime) -> None:
        await self._settle(claimed, status="cancelled", finished_at=now)

    async def supersede(
        self, claimed: Delivery, alert_ids: list[str], now: datetime, *, whole: bool
    ) -> None:
        if whole and not await self._settle(claimed, status="superseded", finished_at=now):
            return
        await self.session.execute(
            update(alerts)
            .where(
                a.delivery_id == claimed.delivery_id,
                a.alert_id.in_(alert_ids),
                a.status.in_(OPEN),
            )
            .values(status="superseded", reason=SUPERSEDED)
        )

    async def _settle(self, claimed: Delivery, **values: Any) -> bool:
        """Update the delivery if this claim is still the current one."""
        # A DML statement's result is a CursorResult; `execute` is typed for any statement.
        result = cast(
            "CursorResult[Any]",
            await self.session.execute(
                update(deliveries)
                .where(
                    d.delivery_id == claimed.delivery_id,
                    d.status == "sending",
                    d.attempts == claimed.attempts,
                )
                .values(lease_until=None, **values)
            ),
        )
        return result.rowcount == 1

    async def _close_alerts(self, claimed: Delivery, **values: Any) -> list[StoredAlert]:
        result = await self.session.execute(
            update(alerts)
            .where(a.delivery_id == claimed.delivery_id, a.status.in_(OPEN))
            .values(**values)
            .returning(alerts)
        )
        rows = sorted(result.all(), key=lambda row: row.seq)
        return [_alert(row) for row in rows]
