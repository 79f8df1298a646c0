"""The consume loop every service runs: fetch -> apply a partition's batch in one transaction ->
store the position with it -> commit offsets to Kafka as a hint.

- The records of one partition from one fetch are applied in ONE transaction, each event in a
  savepoint of its own together with its id in the inbox: a redelivered event changes nothing,
  and a poison event (it cannot be parsed, or its handler fails for a reason other than the
  infrastructure) is rolled back alone and dead-lettered with the reason (through the outbox,
  in the same transaction) while the rest of the batch is applied.
- The same transaction writes the group's position (the next offset) in `consumer_positions`
  in the service's own database, after taking that row's lock: effects and position commit
  together, a second instance handed the same records waits and then skips what was applied,
  and on assignment the consumer seeks to the stored position. Effects are exactly once even
  if the broker lost the committed offsets; Kafka commits (after the transaction) are a hint.
- Partitions are handled concurrently, one task (and one session) per partition with records;
  a busy partition is not fetched again until its batch is done, so each partition's records
  are still applied one after another, in order.
- A database or broker outage is not the event's fault: the batch rolls back, the loop
  restarts after a backoff and resumes from the stored positions; nothing is dead-lettered.
- A rebalance abandons the batches of revoked partitions (rolled back; the next owner seeks to
  the stored position); an offset commit refused by a rebalance is only logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from opentelemetry.trace import Status, StatusCode
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..contracts.base import Event
from ..contracts.envelope import Envelope, MalformedEvent, from_kafka
from ..contracts.registry import parse
from ..contracts.topics import DEAD_LETTERS
from ..errors import is_transient
from ..logging import get_logger
from ..settings import ServiceSettings
from ..telemetry import complaint_context, consumer_span, receive_span
from .inbox import Inbox
from .kafka import make_consumer
from .loops import retry_forever
from .outbox import Outbox
from .positions import Positions

log = get_logger(__name__)
CONSUMED = Counter("events_consumed_total", "Events consumed", ["service", "outcome"])
DEAD_LETTERED = Counter(
    "events_dead_lettered_total",
    "Records written to the dead-letter topic, by reason (malformed, or the handler's error)",
    ["service", "reason"],
)
HANDLER_SECONDS = Histogram(
    "event_handler_duration_seconds",
    "Time to apply one event (inbox check and handler), by event type",
    ["service", "event_type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONSUMER_LAG = Gauge(
    "consumer_lag_records",
    "Records in the partition after the group's position (high watermark - position)",
    ["service", "topic", "partition"],
)
CONSUMER_ASSIGNED = Gauge(
    "consumer_assigned_partitions",
    "1 for each partition assigned to this instance's consumer now (gone when revoked)",
    ["service", "topic", "partition"],
)

# A handler takes the event class it is registered for (a subclass of Event): Callable is
# contravariant in its arguments, so the registry's type cannot name Event here.
Handler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]
# The partition of the record being handled: state sharded by partition (the SLA monitor's
# timers) records it so that each instance fires only what the partitions it owns hold. Set
# inside each partition's task, so concurrent partitions each see their own.
current_partition: ContextVar[int] = ContextVar("current_partition", default=0)

# How long a rebalance waits for the batches of revoked partitions to notice and roll back
# (they check between events) before cancelling them.
REVOKE_GRACE_SECONDS = 5.0
# How long the assignment waits for the stored positions before falling back to the committed
# offsets (never ahead of the stored positions, so at worst records are fetched again and
# skipped).
POSITIONS_TIMEOUT_SECONDS = 5.0
COMMIT_TIMEOUT_SECONDS = 10.0
FETCH_TIMEOUT_MS = 1000


class Record(Protocol):
    """What the loop reads of a ConsumerRecord (tests feed look-alikes)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Any


class _Abandoned(Exception):
    """The batch's partition was revoked: roll it back, the next owner applies it."""


class _Lease:
    """One batch's hold on its partition; a rebalance that revokes the partition ends it."""

    __slots__ = ("revoked",)

    def __init__(self) -> None:
        self.revoked = False


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, owner: LogConsumer) -> None:
        self.owner = owner
        self.consumer: AIOKafkaConsumer | None = None

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.owner._revoke(set(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if self.consumer is not None:
            await self.owner._assign(self.consumer, set(assigned))


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
        self.positions = Positions(self.group_id)
        self._consumer: AIOKafkaConsumer | None = None
        self._busy: dict[TopicPartition, tuple[_Lease, asyncio.Task[int]]] = {}
        self._changed = asyncio.Event()
        self._assigned: set[TopicPartition] = set()  # as CONSUMER_ASSIGNED reports it

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
        """Consume until cancelled; after a failure, restart from the stored positions."""
        await retry_forever(self._consume, what="consume loop")

    # -- the loop ---------------------------------------------------------------------------
    async def _consume(self) -> None:
        listener = _Rebalance(self)
        consumer = make_consumer(self.settings, self.group_id, listener=listener)
        listener.consumer = consumer
        self._consumer = consumer
        self._busy = {}
        self._changed = asyncio.Event()
        fetching: asyncio.Task | None = None
        fetching_for: frozenset[TopicPartition] = frozenset()
        changed: asyncio.Task | None = None
        try:
            await consumer.start()
            log.info("consuming", group=self.group_id)
            while True:
                if fetching is not None and fetching.done():
                    self._start_batches(fetching.result())
                    fetching = None
                await self._reap(consumer)
                free = self._free(consumer)
                if fetching is not None and fetching_for != free:
                    # A partition became free (or the assignment changed): fetch it too now
                    # rather than after the running fetch times out. A cancelled fetch loses
                    # nothing: records are taken from aiokafka's buffer only on return.
                    fetching.cancel()
                    await asyncio.wait([fetching])
                    if not fetching.cancelled() and fetching.exception() is None:
                        self._start_batches(fetching.result())
                        free = self._free(consumer)
                    fetching = None
                if fetching is None and (free or not self._busy):
                    # No partitions named while none is assigned: getmany waits for the group.
                    fetching = asyncio.ensure_future(
                        consumer.getmany(*free, timeout_ms=FETCH_TIMEOUT_MS)
                    )
                    fetching_for = free
                if changed is None or changed.done():
                    self._changed.clear()
                    changed = asyncio.ensure_future(self._changed.wait())
                waiting: set[asyncio.Future] = {changed, *(task for _, task in self._busy.values())}
                if fetching is not None:
                    waiting.add(fetching)
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._consumer = None
            for task in (fetching, changed, *(task for _, task in self._busy.values())):
                if task is not None:
                    task.cancel()
            pending = [t for t in (fetching, changed) if t is not None]
            pending += [task for _, task in self._busy.values()]
            if pending:
                await asyncio.wait(pending)
            self._busy = {}
            self._unassign(set(self._assigned))
            try:
                await asyncio.wait_for(consumer.stop(), timeout=10)
            except Exception as exc:
                log.debug("consumer stop failed", error=repr(exc))

    def _free(self, consumer: AIOKafkaConsumer) -> frozenset[TopicPartition]:
        """Assigned partitions without a batch in progress."""
        try:
            assigned = consumer.assignment()
        except Exception:  # not subscribed yet, or stopping
            assigned = set()
        return frozenset(tp for tp in assigned if tp not in self._busy)

    def _start_batches(self, batch: Mapping[TopicPartition, list]) -> None:
        for tp, records in batch.items():
            if not records:
                continue
            if tp in self._busy:  # never fetched while busy; refuse rather than reorder
                raise RuntimeError(f"records of {tp} fetched while its batch is in progress")
            lease = _Lease()
            task = asyncio.ensure_future(self._apply_batch(tp, records, lease))
            self._busy[tp] = (lease, task)

    async def _reap(self, consumer: AIOKafkaConsumer) -> None:
        """Collect finished batches: commit their offsets as a hint; a failure restarts."""
        offsets: dict[TopicPartition, int] = {}
        failure: BaseException | None = None
        for tp, (_, task) in list(self._busy.items()):
            if not task.done():
                continue
            del self._busy[tp]
            if task.cancelled():
                continue
            exc = task.exception()
            if exc is None:
                offsets[tp] = task.result()
            elif not isinstance(exc, _Abandoned):
                failure = failure or exc
        if offsets:
            await self._commit_hint(consumer, offsets)
        if failure is not None:
            # Let the other partitions finish (or give up) before restarting.
            running = [task for _, task in self._busy.values()]
            if running:
                _, late = await asyncio.wait(running, timeout=REVOKE_GRACE_SECONDS)
                for task in late:
                    task.cancel()
            raise failure

    async def _commit_hint(
        self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]
    ) -> None:
        try:
            await asyncio.wait_for(consumer.commit(offsets), timeout=COMMIT_TIMEOUT_SECONDS)
        except CommitFailedError as exc:
            log.info("offset commit refused by a rebalance; positions are stored", error=repr(exc))
        except (KafkaError, TimeoutError) as exc:
            log.warning("offset commit failed; positions are stored", error=repr(exc))

    # -- rebalancing ------------------------------------------------------------------------
    async def _revoke(self, revoked: set[TopicPartition]) -> None:
        """Abandon the batches of revoked partitions: they roll back at their next event (or
        are cancelled after a grace period), so nothing of ours commits for a partition that
        another instance may already be applying."""
        self._changed.set()
        self._unassign(revoked)
        abandoned = []
        for tp in revoked:
            with contextlib.suppress(KeyError):  # another instance reports it now
                CONSUMER_LAG.remove(self.service, tp.topic, str(tp.partition))
            entry = self._busy.pop(tp, None)
            if entry is not None:
                entry[0].revoked = True
                abandoned.append(entry[1])
        if not abandoned:
            return
        log.info("abandoning the batches of revoked partitions", count=len(abandoned))
        _, late = await asyncio.wait(abandoned, timeout=REVOKE_GRACE_SECONDS)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)

    def _unassign(self, revoked: set[TopicPartition]) -> None:
        """Stop reporting `revoked` as assigned to this instance."""
        for tp in revoked & self._assigned:
            with contextlib.suppress(KeyError):
                CONSUMER_ASSIGNED.remove(self.service, tp.topic, str(tp.partition))
        self._assigned -= revoked

    async def _assign(self, consumer: AIOKafkaConsumer, assigned: set[TopicPartition]) -> None:
        """Seek each assigned partition to the position stored in our database, if any."""
        self._changed.set()
        for tp in assigned:
            CONSUMER_ASSIGNED.labels(self.service, tp.topic, str(tp.partition)).set(1)
        self._assigned |= assigned
        if not assigned:
            return
        try:
            async with asyncio.timeout(POSITIONS_TIMEOUT_SECONDS), self.sessions() as session:
                stored = await self.positions.stored(session, assigned)
        except Exception as exc:  # noqa: BLE001 - the committed offsets are a safe fallback
            log.warning("stored positions unavailable; using committed offsets", error=repr(exc))
            return
        for tp, offset in stored.items():
            with contextlib.suppress(KafkaError):  # revoked again meanwhile
                consumer.seek(tp, offset)
        log.info(
            "partitions assigned",
            partitions=sorted(tp.partition for tp in assigned),
            stored={tp.partition: offset for tp, offset in stored.items()},
        )

    # -- applying -----------------------------------------------------------------------------
    async def _apply_batch(self, tp: TopicPartition, records: list[Record], lease: _Lease) -> int:
        """Apply one partition's records in one transaction with its new position; return the
        next offset."""
        current_partition.set(tp.partition)
        outcomes: Tally[str] = Tally()
        dead_letters: Tally[str] = Tally()
        next_offset = records[-1].offset + 1
        async with self.sessions.begin() as session:
            stored = await self.positions.claim(session, tp, records[0].offset)
            if stored < records[0].offset:
                log.warning(
                    "records between the stored position and the fetched ones are not in the log",
                    partition=tp.partition,
                    stored=stored,
                    fetched=records[0].offset,
                )
            for record in records:
                if lease.revoked:
                    raise _Abandoned
                if record.offset < stored:
                    outcomes["refetched"] += 1  # applied before: the stored position is past it
                    continue
                outcomes[await self._apply(session, record, dead_letters)] += 1
            if lease.revoked:
                raise _Abandoned
            next_offset = max(next_offset, stored)
            if next_offset != stored:
                await self.positions.advance(session, tp, next_offset)
        self._count(outcomes, dead_letters)
        self._measure_lag(tp, next_offset)
        return next_offset

    def _measure_lag(self, tp: TopicPartition, position: int) -> None:
        """The partition's lag after a batch, from the high watermark of the last fetch."""
        consumer = self._consumer
        highwater = consumer.highwater(tp) if consumer is not None else None
        if highwater is not None:
            lag = max(0, highwater - position)
            CONSUMER_LAG.labels(self.service, tp.topic, str(tp.partition)).set(lag)

    async def process(self, record: Record) -> None:
        """Apply one record in a transaction of its own, leaving the stored position alone
        (for tests and tools that feed records by hand)."""
        current_partition.set(record.partition)
        dead_letters: Tally[str] = Tally()
        async with self.sessions.begin() as session:
            outcome = await self._apply(session, record, dead_letters)
        self._count(Tally([outcome]), dead_letters)

    def _count(self, outcomes: Tally[str], dead_letters: Tally[str]) -> None:
        for outcome, count in outcomes.items():
            CONSUMED.labels(self.service, outcome).inc(count)
        for reason, count in dead_letters.items():
            DEAD_LETTERED.labels(self.service, reason).inc(count)

    async def _apply(self, session: AsyncSession, record: Record, dead_letters: Tally[str]) -> str:
        """Apply one record in a savepoint of the caller's transaction; return the outcome.
        A dead letter's reason (`malformed`, or the handler's exception class) is tallied in
        `dead_letters`, counted by the caller once the transaction commits."""
        coordinates: dict[str, Any] = {
            "messaging.destination.partition.id": str(record.partition),
            "messaging.kafka.offset": record.offset,
            "messaging.consumer.group.name": self.group_id,
        }
        complaint_id = (record.key or b"").decode(errors="replace")
        receive_span(record.topic, complaint_id, _trace_headers(record), **coordinates)
        try:
            envelope = from_kafka(record.key, record.value, record.headers)
            event = parse(envelope)
        except MalformedEvent as exc:
            await self._dead_letter(session, record, str(exc))
            dead_letters["malformed"] += 1
            return "dead_lettered"
        handler = self._handler_for(event)
        if event is None or handler is None:
            return "skipped"
        started = time.perf_counter()
        with (
            complaint_context(envelope.subject, event_id=envelope.id, event_type=envelope.type),
            consumer_span(
                record.topic,
                envelope.subject,
                envelope.trace,
                **coordinates,
                **{"messaging.message.id": envelope.id, "cloudevents.event_type": envelope.type},
            ) as span,
        ):
            try:
                async with session.begin_nested():
                    if not await self.inbox.first_delivery(session, envelope.id):
                        return "duplicate"
                    await handler(session, envelope, event)
            except Exception as exc:
                if is_transient(exc):
                    raise
                log.exception("event cannot be applied")
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                await self._dead_letter(session, record, f"cannot apply {envelope.type}: {exc!r}")
                dead_letters[type(exc).__name__] += 1
                return "dead_lettered"
            finally:
                HANDLER_SECONDS.labels(self.service, envelope.type).observe(
                    time.perf_counter() - started
                )
            return "applied"

    def _handler_for(self, event: Event | None) -> Handler | None:
        if event is None:
            return None
        return self.handlers.get(type(event)) or self.handlers.get(Event)

    async def _dead_letter(self, session: AsyncSession, record: Record, reason: str) -> None:
        """Write the record to the dead-letter topic through the outbox, in the batch."""
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
        await self.outbox.append_raw(
            session,
            event_id=f"dead-letter:{self.group_id}:{coordinates}",
            topic=DEAD_LETTERS,
            key=(record.key or b"").decode(errors="replace"),
            value=record.value or b"",
            headers=list(headers),
        )


def _trace_headers(record: Record) -> dict[str, str]:
    """The W3C trace context among the record's headers."""
    found: dict[str, str] = {}
    for name, value in record.headers or ():
        if name in ("traceparent", "tracestate") and value is not None:
            found[name] = bytes(value).decode(errors="replace")
    return found
