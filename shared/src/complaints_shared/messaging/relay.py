"""The outbox relay: publishes a service's outbox to Kafka in id order, then marks rows sent.

- Ordered per complaint: writers of one complaint's events are serialised (a row lock in
  intake, one partition at a time in consumers), and a single relay publishes in id order.
- Safe with several relays: only the holder of a PostgreSQL advisory lock publishes; the
  others wait and take over if its connection dies.
- Wakes on commit: a statement trigger NOTIFYs `outbox`; a slow poll is the fallback because
  LISTEN/NOTIFY is a wake-up, not a queue.
- At least once: a crash between send and mark re-sends; consumers drop duplicates by id.
  Without an idempotent producer (the dev broker), a send that fails for good while the next
  batch of the same partition succeeds can put that later event first; with Apache Kafka turn
  on KAFKA_IDEMPOTENCE, which keeps the order.
- Measured: every relay, leader or not, sets `outbox_pending_rows` and
  `outbox_oldest_pending_age_seconds` each cycle, before publishing, so a backlog shows even
  while the broker refuses every send.
"""

from __future__ import annotations

import asyncio

import asyncpg
from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge
from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ..logging import get_logger
from ..settings import ServiceSettings
from ..telemetry import producer_span
from .kafka import make_producer
from .loops import listening, retry_forever, wait_for_wake
from .outbox import decode_headers
from .tables import OUTBOX_NOTIFY_CHANNEL

log = get_logger(__name__)
PUBLISHED = Counter("outbox_published_total", "Outbox rows published to Kafka", ["service"])
PENDING_ROWS = Gauge("outbox_pending_rows", "Unpublished outbox rows", ["service"])
OLDEST_PENDING_AGE = Gauge(
    "outbox_oldest_pending_age_seconds",
    "Age of the oldest unpublished outbox row (0 when there is none)",
    ["service"],
)
_LEADER_LOCK = 0x0B0C5  # advisory lock key: one publishing relay per service database


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        settings: ServiceSettings,
        engine: AsyncEngine,
        table: Table,
        database_url: str,
        batch_size: int = 500,
    ) -> None:
        self.service = service
        self.settings = settings
        self.engine = engine
        self.table = table
        self.database_url = database_url
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None

    async def run(self) -> None:
        """Lead and publish until cancelled; the broker or the database away is retried."""
        try:
            await retry_forever(
                self._lead_and_publish, what="outbox relay", on_failure=self._drop_producer
            )
        finally:
            await self._drop_producer()

    async def _lead_and_publish(self) -> None:
        async with listening(self.database_url, OUTBOX_NOTIFY_CHANNEL, self._wake) as conn:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _LEADER_LOCK):
                await self.measure_backlog(conn)
                await asyncio.sleep(min(self.settings.outbox_poll_seconds * 2, 2.0))
            log.info("outbox relay leads", service=self.service)
            while True:
                self._wake.clear()
                # The session advisory lock lives as long as this connection: measuring the
                # backlog proves it is alive before each batch, or a follower may already be
                # publishing too.
                await self.measure_backlog(conn)
                if await self.publish_batch() == 0:
                    await wait_for_wake(self._wake, self.settings.outbox_poll_seconds)

    async def measure_backlog(self, conn: asyncpg.Connection) -> None:
        """Set the backlog gauges: unpublished rows and the age of the oldest (the partial
        index on unpublished rows keeps this cheap)."""
        row = await conn.fetchrow(
            "SELECT count(*) AS pending,"
            " coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age"
            f" FROM {self.table.name} WHERE published_at IS NULL"
        )
        assert row is not None
        PENDING_ROWS.labels(self.service).set(row["pending"])
        OLDEST_PENDING_AGE.labels(self.service).set(max(0.0, float(row["age"])))

    async def publish_batch(self) -> int:
        """Publish the oldest unpublished rows; return how many were published."""
        t = self.table
        async with self.engine.connect() as db:
            rows = (
                await db.execute(
                    select(t.c.id, t.c.event_id, t.c.topic, t.c.key, t.c.value, t.c.headers)
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.id)
                    .limit(self.batch_size)
                )
            ).all()
        if not rows:
            return 0
        producer = await self._ensure_producer()
        pending = []
        for row in rows:
            headers = decode_headers(row.headers)
            trace = {k: v.decode() for k, v in headers if k in ("traceparent", "tracestate")}
            with producer_span(
                row.topic, row.key, trace, **{"messaging.message.id": row.event_id}
            ) as send_trace:
                headers = [(k, v) for k, v in headers if k not in send_trace] + [
                    (k, v.encode()) for k, v in send_trace.items()
                ]
                pending.append(
                    await producer.send(row.topic, row.value, key=row.key.encode(), headers=headers)
                )
        await asyncio.gather(*pending)
        async with self.engine.begin() as db:
            await db.execute(
                update(t).where(t.c.id.in_([r.id for r in rows])).values(published_at=func.now())
            )
        PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = make_producer(self.settings, f"{self.service}-relay")
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except Exception as exc:
                log.debug("producer stop failed", error=repr(exc))
