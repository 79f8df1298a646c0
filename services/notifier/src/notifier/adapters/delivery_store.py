"""The dispatcher's reads and writes of `deliveries` and their `alerts`.

A delivery is claimed by setting it `sending` with a lease (`FOR UPDATE SKIP LOCKED`, so
several dispatchers share the work); one whose lease ran out (its dispatcher died) is claimed
again. An outcome is recorded only by the claim that is still current (same attempt number).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import alerts, deliveries

d = deliveries.c
a = alerts.c
OPEN = ("pending", "folded")  # alert states still waiting for their delivery


async def claim(session: AsyncSession, now: datetime, limit: int, lease: timedelta) -> list[Row]:
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
    claimed = await session.execute(
        update(deliveries)
        .where(d.delivery_id.in_(due))
        .values(status="sending", attempts=d.attempts + 1, lease_until=now + lease)
        .returning(deliveries)
    )
    return sorted(claimed.all(), key=lambda row: row.next_attempt_at)


async def next_due(session: AsyncSession) -> datetime | None:
    pending = select(func.min(d.next_attempt_at)).where(d.status == "pending")
    leased = select(func.min(d.lease_until)).where(d.status == "sending")
    times = [(await session.execute(q)).scalar() for q in (pending, leased)]
    return min((t for t in times if t is not None), default=None)


async def alerts_of(session: AsyncSession, delivery_id: str) -> list[Row]:
    return list(
        (
            await session.execute(
                select(alerts)
                .where(a.delivery_id == delivery_id, a.status.in_(OPEN))
                .order_by(a.seq)
            )
        ).all()
    )


async def _settle(session: AsyncSession, claimed: Row, **values: Any) -> bool:
    """Update the delivery if this claim is still the current one."""
    result = await session.execute(
        update(deliveries)
        .where(
            d.delivery_id == claimed.delivery_id,
            d.status == "sending",
            d.attempts == claimed.attempts,
        )
        .values(lease_until=None, **values)
    )
    return result.rowcount == 1


async def mark_sent(session: AsyncSession, claimed: Row, now: datetime) -> list[Row]:
    """The delivery went out: it and its alerts are sent; returns those alerts."""
    if not await _settle(session, claimed, status="sent", finished_at=now, last_error=None):
        return []
    return await _close_alerts(
        session, claimed, status="sent", attempts=claimed.attempts, sent_at=now
    )


async def mark_failed(session: AsyncSession, claimed: Row, now: datetime, reason: str) -> list[Row]:
    """Given up for good: it and its alerts are failed; returns those alerts."""
    if not await _settle(session, claimed, status="failed", finished_at=now, last_error=reason):
        return []
    return await _close_alerts(
        session, claimed, status="failed", attempts=claimed.attempts, reason=reason
    )


async def retry_later(session: AsyncSession, claimed: Row, at: datetime, reason: str) -> bool:
    if not await _settle(session, claimed, status="pending", next_attempt_at=at, last_error=reason):
        return False
    await session.execute(
        update(alerts)
        .where(a.delivery_id == claimed.delivery_id, a.status.in_(OPEN))
        .values(attempts=claimed.attempts, reason=reason)
    )
    return True


async def mark_empty(session: AsyncSession, claimed: Row, now: datetime) -> None:
    """Nothing left to carry (its alerts were called off)."""
    await _settle(session, claimed, status="cancelled", finished_at=now)


async def _close_alerts(session: AsyncSession, claimed: Row, **values: Any) -> list[Row]:
    result = await session.execute(
        update(alerts)
        .where(a.delivery_id == claimed.delivery_id, a.status.in_(OPEN))
        .values(**values)
        .returning(alerts)
    )
    return sorted(result.all(), key=lambda row: row.seq)
