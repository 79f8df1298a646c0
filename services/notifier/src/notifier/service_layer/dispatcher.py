"""The dispatcher: delivers due deliveries, retries with backoff, records every outcome.

It claims due deliveries (up to its concurrency), leaves out the warnings whose clock is
already due (`superseded`: the breach says more), sends each in its own task with its
channel's timeout, and records the outcome in one transaction: the delivery and its alerts
updated, `notification.sent` or `notification.failed` appended through the outbox, and for a
permanent failure a dead-letter record. A failing receiver only delays its own deliveries.
It wakes on every commit that adds deliveries (LISTEN/NOTIFY) and polls slowly as a fallback.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.contracts.topics import DEAD_LETTERS
from complaints_shared.logging import get_logger
from complaints_shared.messaging.loops import listening, retry_forever, wait_for_wake
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.telemetry import delivery_span, failed

from ..adapters.delivery_store import Delivery, StoredAlert
from ..adapters.tables import DELIVERIES_NOTIFY_CHANNEL
from ..adapters.transports import DeliveryError, Outgoing, Transports
from ..domain.messages import render_digest
from ..domain.policy import Retry, backoff, gives_up
from . import outcomes
from .stores import DeliveriesFor

log = get_logger("notifier.dispatcher")
MIN_SLEEP = 0.05
DELIVERIES = Counter(
    "notifier_deliveries_total", "Delivery attempts by outcome", ["channel", "outcome"]
)


class Dispatcher:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        deliveries: DeliveriesFor,
        outbox: Outbox,
        transports: Transports,
        database_url: str,
        retry: Retry,
        public_base_url: str,
        poll_seconds: float = 1.0,
        concurrency: int = 20,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.sessions = sessions
        self.deliveries = deliveries
        self.outbox = outbox
        self.transports = transports
        self.database_url = database_url
        self.retry = retry
        self.public_base_url = public_base_url.rstrip("/")
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        self.now = now
        self.jitter = jitter
        longest = max((t.timeout for t in transports.by_channel.values()), default=10.0)
        self.lease = timedelta(seconds=2 * longest + 30)
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Dispatch until cancelled; the database away is waited out, never given up on."""
        try:
            await retry_forever(self._listen_and_dispatch, what="dispatcher")
        except asyncio.CancelledError:
            # Deliveries cut short keep their lease; when it runs out they are claimed again.
            for task in self._inflight:
                task.cancel()
            await asyncio.gather(*self._inflight, return_exceptions=True)
            raise

    async def _listen_and_dispatch(self) -> None:
        async with listening(self.database_url, DELIVERIES_NOTIFY_CHANNEL, self._wake) as conn:
            while True:
                if conn.is_closed():
                    raise ConnectionError("the LISTEN connection closed")
                self._wake.clear()
                free = self.concurrency - len(self._inflight)
                if free <= 0:
                    # a delivery finishing wakes it
                    await wait_for_wake(self._wake, self.poll_seconds)
                elif await self.dispatch_due(free) < free:
                    await self._sleep()
                # else: all it could take was due; there may be more at once

    async def dispatch_due(self, limit: int | None = None) -> int:
        """Claim what is due and start sending it; return how many were claimed."""
        async with self.sessions.begin() as session:
            claimed = await self.deliveries(session).claim(
                self.now(), limit or self.concurrency, self.lease
            )
        for delivery in claimed:
            task = asyncio.create_task(self._deliver(delivery), name=f"deliver {delivery.kind}")
            self._inflight.add(task)
            task.add_done_callback(self._finished)
        return len(claimed)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()

    async def _sleep(self) -> None:
        """Until the next delivery is due, a commit adds one, or the fallback poll."""
        async with self.sessions() as session:
            due = await self.deliveries(session).next_due()
        delay = self.poll_seconds
        if due is not None:
            # At least a moment: a due row another transaction holds is skipped, not waited for.
            delay = min(delay, max(MIN_SLEEP, (due - self.now()).total_seconds()))
        await wait_for_wake(self._wake, delay)

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            async with self.sessions() as session:
                alerts = await self.deliveries(session).open_alerts(delivery.delivery_id)
            if not alerts:
                async with self.sessions.begin() as session:
                    await self.deliveries(session).mark_empty(delivery, self.now())
                return
            alerts = await self._drop_expired(delivery, alerts)
            if not alerts:
                return
            about = (a.complaint_id for a in alerts)
            with delivery_span(delivery.channel, delivery.kind, about) as span:
                error = await self._attempt(self._compose(delivery, alerts))
                if error is not None:
                    failed(span, error.reason)
                await self._record(delivery, error)
        except asyncio.CancelledError:
            raise
        except Exception:  # bookkeeping failed: the lease runs out and it is tried again
            log.exception("delivery not recorded", delivery_id=delivery.delivery_id)

    async def _drop_expired(
        self, delivery: Delivery, alerts: list[StoredAlert]
    ) -> list[StoredAlert]:
        """The alerts still worth sending: a warning whose due time has passed is superseded
        (the breach says more), and a delivery left with nothing else is too."""
        now = self.now()
        expired = [a.alert_id for a in alerts if a.expires_at is not None and a.expires_at <= now]
        if not expired:
            return alerts
        left = [a for a in alerts if a.alert_id not in expired]
        async with self.sessions.begin() as session:
            await self.deliveries(session).supersede(delivery, expired, now, whole=not left)
        log.info(
            "warning superseded by its due time",
            delivery_id=delivery.delivery_id,
            alerts=len(expired),
        )
        if not left:
            DELIVERIES.labels(delivery.channel, "superseded").inc()
        return left

    async def _attempt(self, message: Outgoing) -> DeliveryError | None:
        transport = self.transports.get(message.channel)
        if transport is None:
            return DeliveryError(f"channel {message.channel} is not configured", permanent=True)
        try:
            await asyncio.wait_for(transport.send(message), timeout=transport.timeout + 1)
        except DeliveryError as exc:
            return exc
        except TimeoutError:
            return DeliveryError(f"{message.channel} timed out", permanent=False)
        except Exception as exc:  # a transport bug must not stop the others
            return DeliveryError(f"{message.channel} failed: {type(exc).__name__}", permanent=False)
        return None

    def link(self, complaint_id: str) -> str:
        return f"{self.public_base_url}/v1/complaints/{complaint_id}"

    def _compose(self, delivery: Delivery, alerts: list[StoredAlert]) -> Outgoing:
        if delivery.kind == "digest":
            lines = [f"{a.subject} {self.link(a.complaint_id)}" for a in alerts]
            text = render_digest(delivery.language, lines)
            subject, body, link = text.subject, text.body, None
        else:
            first = alerts[0]
            subject, body, link = first.subject or "", first.message, self.link(first.complaint_id)
        return Outgoing(
            delivery_id=delivery.delivery_id,
            kind=delivery.kind,
            channel=delivery.channel,
            address=delivery.address,
            recipient=delivery.recipient,
            recipient_unit=delivery.recipient_unit,
            language=delivery.language,
            subject=subject,
            body=body,
            link=link,
            alerts=[self._listed(a) for a in alerts],
        )

    def _listed(self, alert: StoredAlert) -> dict[str, Any]:
        """An alert as a message's payload lists it."""
        return {
            "alert_id": alert.alert_id,
            "complaint_id": alert.complaint_id,
            "cause_type": alert.cause_type,
            "cause_event_id": alert.cause_event_id,
            "role": alert.role,
            "clock": alert.clock,
            "subject": alert.subject,
            "link": self.link(alert.complaint_id),
        }

    async def _record(self, delivery: Delivery, error: DeliveryError | None) -> None:
        """One transaction: the outcome on the delivery and its alerts, and its events."""
        now = self.now()
        context: dict[str, Any] = {
            "delivery_id": delivery.delivery_id,
            "channel": delivery.channel,
            "recipient": delivery.recipient,
            "attempts": delivery.attempts,
        }
        async with self.sessions.begin() as session:
            if error is None:
                await self._sent(session, delivery, now)
                outcome = "sent"
            elif gives_up(delivery.attempts, self.retry, permanent=error.permanent):
                context["reason"] = await self._given_up(session, delivery, now, error)
                outcome = "failed"
            else:
                wait = await self._retry_later(session, delivery, now, error)
                context |= {"reason": error.reason, "retry_in": round(wait, 3)}
                outcome = "retry"
        DELIVERIES.labels(delivery.channel, outcome).inc()
        if outcome == "sent":
            log.info("delivered", **context)
        elif outcome == "retry":
            log.info("delivery failed, will retry", **context)
        else:
            log.warning("delivery failed for good", **context)

    async def _sent(self, session: AsyncSession, delivery: Delivery, now: datetime) -> None:
        told = await self.deliveries(session).mark_sent(delivery, now)
        await self.outbox.append(session, [outcomes.sent(a, now) for a in told])

    async def _given_up(
        self, session: AsyncSession, delivery: Delivery, now: datetime, error: DeliveryError
    ) -> str:
        """Failed for good: `notification.failed` and a dead letter per alert; the reason."""
        reason = error.reason if error.permanent else f"gave up: {error.reason}"
        lost = await self.deliveries(session).mark_failed(delivery, now, reason)
        await self.outbox.append(session, [outcomes.failed(a, now, reason) for a in lost])
        for alert in lost:
            await self.outbox.append_raw(
                session, topic=DEAD_LETTERS, **outcomes.dead_letter(alert, reason)
            )
        return reason

    async def _retry_later(
        self, session: AsyncSession, delivery: Delivery, now: datetime, error: DeliveryError
    ) -> float:
        """Pending again after the backoff; the seconds it waits."""
        wait = backoff(delivery.attempts, self.retry, self.jitter())
        at = now + timedelta(seconds=wait)
        await self.deliveries(session).retry_later(delivery, at, error.reason)
        return wait
