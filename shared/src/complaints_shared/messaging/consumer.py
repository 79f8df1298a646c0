"""The consume loop every service runs: decode -> apply with the inbox -> commit offsets.

- Each event is applied in one transaction together with its id in the inbox; a redelivered
  event changes nothing. Offsets are committed only after the batch's transactions.
- A record that cannot be parsed, or whose handler rejects it, goes to the dead-letter topic
  (through the outbox, so it is not lost either) with the reason; the partition keeps flowing.
- A database or broker outage is not the event's fault: the loop restarts from the committed
  offsets after a backoff, and nothing is dead-lettered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..contracts.base import Event
from ..contracts.envelope import Envelope, MalformedEvent, from_kafka
from ..contracts.registry import parse
from ..contracts.topics import DEAD_LETTERS
from ..errors import TRANSIENT
from ..logging import get_logger
from ..settings import ServiceSettings
from ..telemetry import consumer_span
from .inbox import Inbox
from .kafka import make_consumer
from .loops import retry_forever
from .outbox import Outbox

log = get_logger(__name__)
CONSUMED = Counter("events_consumed_total", "Events consumed", ["service", "outcome"])

# A handler takes the event class it is registered for (a subclass of Event): Callable is
# contravariant in its arguments, so the registry's type cannot name Event here.
Handler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]
# The partition of the record being handled: state sharded by partition (the SLA monitor's
# timers) records it so that each instance fires only what the partitions it owns hold.
current_partition: ContextVar[int] = ContextVar("current_partition", default=0)


class LogConsumer:
    def __init__(
        self,
        *,
        service: str,
        settings: ServiceSettings,
        sessions: async_sessionmaker,
        outbox: Outbox,
        inbox: Inbox,
        handlers: Mapping[type[Event], Handler],
        group_id: str | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self.sessions = sessions
        self.outbox = outbox
        self.inbox = inbox
        self.handlers = handlers
        self.group_id = group_id or service
        self._consumer: AIOKafkaConsumer | None = None

    def owned_partitions(self) -> frozenset[int]:
        """The partitions this instance is assigned now (empty while not in the group)."""
        consumer = self._consumer
        if consumer is None:
            return frozenset()
        try:
            return frozenset(tp.partition for tp in consumer.assignment())
        except Exception:  # not subscribed yet, or stopping
            return frozenset()

    async def run(self) -> None:
        """Consume until cancelled; after a failure, restart from the committed offsets (the
        inbox drops what is delivered again)."""
        await retry_forever(self._consume, what="consume loop")

    async def _consume(self) -> None:
        consumer = make_consumer(self.settings, self.group_id)
        self._consumer = consumer
        try:
            await consumer.start()
            log.info("consuming", group=self.group_id)
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                offsets = {}
                for tp, records in batch.items():
                    for record in records:
                        current_partition.set(record.partition)
                        await self.process(record)
                    offsets[TopicPartition(tp.topic, tp.partition)] = records[-1].offset + 1
                if offsets:
                    await consumer.commit(offsets)
        finally:
            self._consumer = None
            try:
                await asyncio.wait_for(consumer.stop(), timeout=10)
            except Exception as exc:
                log.debug("consumer stop failed", error=repr(exc))

    async def process(self, record: ConsumerRecord) -> None:
        try:
            envelope = from_kafka(record.key, record.value, record.headers)
            event = parse(envelope)
        except MalformedEvent as exc:
            await self.dead_letter(record, str(exc))
            return
        handler = self._handler_for(event)
        if event is None or handler is None:
            CONSUMED.labels(self.service, "skipped").inc()
            return
        with (
            consumer_span(record.topic, envelope.subject, envelope.trace),
            structlog.contextvars.bound_contextvars(
                complaint_id=envelope.subject, event_id=envelope.id, event_type=envelope.type
            ),
        ):
            try:
                async with self.sessions.begin() as session:
                    if not await self.inbox.first_delivery(session, envelope.id):
                        CONSUMED.labels(self.service, "duplicate").inc()
                        return
                    await handler(session, envelope, event)
            except TRANSIENT:
                raise
            except Exception as exc:
                log.exception("event cannot be applied")
                await self.dead_letter(record, f"cannot apply {envelope.type}: {exc!r}")
                return
            CONSUMED.labels(self.service, "applied").inc()

    def _handler_for(self, event: Event | None) -> Handler | None:
        if event is None:
            return None
        return self.handlers.get(type(event)) or self.handlers.get(Event)

    async def dead_letter(self, record: ConsumerRecord, reason: str) -> None:
        log.warning(
            "dead-lettering record",
            reason=reason,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        coordinates = f"{record.topic}:{record.partition}:{record.offset}"
        headers = [
            *(record.headers or ()),
            ("dlq_reason", reason.encode()),
            ("dlq_consumer", self.group_id.encode()),
            ("dlq_source", coordinates.encode()),
        ]
        async with self.sessions.begin() as session:
            await self.outbox.append_raw(
                session,
                event_id=f"dead-letter:{self.group_id}:{coordinates}",
                topic=DEAD_LETTERS,
                key=(record.key or b"").decode(errors="replace"),
                value=record.value or b"",
                headers=list(headers),
            )
        CONSUMED.labels(self.service, "dead_lettered").inc()
