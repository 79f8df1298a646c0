"""The batched consume loop on real PostgreSQL and a real broker: one transaction per partition's
batch with a savepoint per event, the position stored with the effects, partitions in parallel.

Each broker test starts a broker of its own, so the records of other tests are not in the way.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from aiokafka import TopicPartition
from aiokafka.partitioner import murmur2
from prometheus_client import REGISTRY
from sqlalchemy import text

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.complaint_events import ComplaintAccepted
from complaints_shared.contracts.envelope import Envelope, to_kafka
from complaints_shared.contracts.topics import COMPLAINT_EVENTS, DEAD_LETTERS
from complaints_shared.messaging.consumer import (
    LogConsumer,
    _Abandoned,
    _Lease,
    current_partition,
)
from complaints_shared.messaging.inbox import Inbox
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.settings import ServiceSettings
from complaints_shared.testing.kafka import produce_raw, read_all
from devstack.broker import TansuBroker
from devstack.fixtures import running_broker

pytestmark = pytest.mark.integration
PARTITIONS = 3


@pytest.fixture
def own_broker() -> Iterator[TansuBroker]:
    with running_broker(PARTITIONS) as server:
        yield server


def partition_of(key: str) -> int:
    """The partition aiokafka's default partitioner picks for `key`."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % PARTITIONS


def keys_on_distinct_partitions(count: int) -> list[str]:
    found: dict[int, str] = {}
    while len(found) < count:
        key = str(uuid.uuid4())
        found.setdefault(partition_of(key), key)
    return list(found.values())


class RecordingConsumer(LogConsumer):
    """The real consumer, noting the offsets of every batch it is handed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.batches: list[tuple[int, list[int]]] = []

    async def _apply_batch(self, tp, records, lease):  # type: ignore[no-untyped-def]
        self.batches.append((tp.partition, [r.offset for r in records]))
        return await super()._apply_batch(tp, records, lease)


def accepted(envelope, complaint_id: str) -> Envelope:
    data = {"unit": "YN-DL", "at": "2026-11-18T10:00:00+08:00", "posted_by": "clerk"}
    return envelope(complaint_id, data, type_=ComplaintAccepted.type_name())


def consumer_for(db, bootstrap: str, group: str, handler, cls=LogConsumer) -> LogConsumer:
    return cls(
        service=group,
        settings=ServiceSettings(kafka_bootstrap_servers=bootstrap),
        sessions=db.sessions,
        outbox=Outbox(db.outbox),
        inbox=Inbox(db.processed, group),
        handlers={Event: handler},
        group_id=group,
    )


async def create_applied(db) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE applied (n serial PRIMARY KEY, event_id text)"))


async def applied_ids(db) -> list[str]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT event_id FROM applied ORDER BY n"))
        return [r.event_id for r in rows]


async def stored_positions(db, group: str) -> dict[int, int]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT partition, next_offset FROM consumer_positions WHERE group_id = :g"),
            {"g": group},
        )
        return {r.partition: r.next_offset for r in rows}


def counted(group: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "events_consumed_total", {"service": group, "outcome": outcome}
    )
    return value or 0.0


async def test_a_poison_event_in_a_batch_is_dead_lettered_alone_and_the_rest_applied(
    db, own_broker, start_relay, eventually, envelope
):
    group = f"batch-{uuid.uuid4().hex[:8]}"
    cid = str(uuid.uuid4())
    await create_applied(db)
    first, second, third = (accepted(envelope, cid) for _ in range(3))
    failing, clashing = accepted(envelope, cid), accepted(envelope, cid)

    async def handler(session, env, event) -> None:
        await session.execute(text("INSERT INTO applied (event_id) VALUES (:id)"), {"id": env.id})
        if env.id == failing.id:  # its row above must go with its savepoint
            raise ValueError("poison")
        if env.id == clashing.id:  # a database error that is the event's fault
            await session.execute(text("INSERT INTO applied (n) VALUES (1), (1)"))

    records = [
        to_kafka(first),
        to_kafka(failing),
        to_kafka(second),
        (cid.encode(), b"not a cloud event", []),
        to_kafka(clashing),
        to_kafka(third),
    ]
    # All produced before the consumer starts: one partition, fetched as one batch.
    await asyncio.to_thread(produce_raw, own_broker.bootstrap, records)
    consumer = consumer_for(db, own_broker.bootstrap, group, handler, RecordingConsumer)
    start_relay(db, own_broker.bootstrap)  # dead letters travel through the outbox
    consuming = asyncio.ensure_future(consumer.run())
    try:

        async def dead_letters() -> list | None:
            found = await asyncio.to_thread(read_all, own_broker.bootstrap, DEAD_LETTERS)
            return found if len(found) == 3 else None

        letters = await eventually(dead_letters, within=30, what="three dead letters")
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)

    assert await applied_ids(db) == [first.id, second.id, third.id]
    reasons = {dict(r.headers)["dlq_reason"].decode() for r in letters}
    assert f"cannot apply {ComplaintAccepted.type_name()}: ValueError('poison')" in reasons
    assert "not a CloudEvent: ce_id/ce_type headers missing" in reasons
    assert any("IntegrityError" in reason for reason in reasons)
    assert {dict(r.headers)["dlq_consumer"] for r in letters} == {group.encode()}
    # Applied together: the batch that held the poison events held the others too.
    partition = partition_of(cid)
    assert (partition, [0, 1, 2, 3, 4, 5]) in consumer.batches
    assert await stored_positions(db, group) == {partition: 6}
    assert counted(group, "applied") == 3
    assert counted(group, "dead_lettered") == 3


async def test_the_stored_position_wins_over_offsets_the_broker_lost(
    db, own_broker, eventually, envelope
):
    group = f"position-{uuid.uuid4().hex[:8]}"
    await create_applied(db)
    keys = keys_on_distinct_partitions(PARTITIONS)
    calls: list[str] = []

    async def handler(session, env, event) -> None:
        calls.append(env.id)
        await session.execute(text("INSERT INTO applied (event_id) VALUES (:id)"), {"id": env.id})

    before = [accepted(envelope, key) for key in keys for _ in range(2)]
    await asyncio.to_thread(produce_raw, own_broker.bootstrap, [to_kafka(e) for e in before])
    first = consumer_for(db, own_broker.bootstrap, group, handler)
    consuming = asyncio.ensure_future(first.run())
    try:

        async def all_applied() -> bool:
            return len(await applied_ids(db)) == len(before)

        await eventually(all_applied, within=30, what="the first events applied")
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
    stored = await stored_positions(db, group)
    assert stored == {partition_of(key): 2 for key in keys}

    # The broker forgets the group: a new group id, of which it knows no committed offsets,
    # with the positions our database stored. The inbox of the new group is empty too, so
    # only the stored positions stand between the earlier events and a second application.
    lost = f"{group}-lost"
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO consumer_positions (group_id, topic, partition, next_offset) "
                "SELECT :lost, topic, partition, next_offset FROM consumer_positions "
                "WHERE group_id = :group"
            ),
            {"lost": lost, "group": group},
        )

    after = [accepted(envelope, key) for key in keys]
    await asyncio.to_thread(produce_raw, own_broker.bootstrap, [to_kafka(e) for e in after])
    second = consumer_for(db, own_broker.bootstrap, lost, handler, RecordingConsumer)
    consuming = asyncio.ensure_future(second.run())
    try:

        async def everything_applied() -> bool:
            return len(await applied_ids(db)) == len(before) + len(after)

        await eventually(everything_applied, within=30, what="the later events applied")
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)

    # Nothing twice, nothing skipped; the second consumer started at the stored positions.
    expected = [e.id for e in before + after]
    assert sorted(await applied_ids(db)) == sorted(expected)
    assert sorted(calls) == sorted(expected)
    # Under load a first fetch may start from the broker's (empty) offsets before the seek to
    # the stored positions lands; the records behind them are then skipped, never applied
    # (test_records_behind_the_stored_position_are_skipped_and_republished_ones_dropped), so
    # what counts is what was applied: the later events, each once.
    assert isinstance(second, RecordingConsumer)
    handed = [offset for _, offsets in second.batches for offset in offsets]
    assert handed.count(2) >= PARTITIONS
    assert counted(lost, "duplicate") == 0
    assert await stored_positions(db, lost) == {partition_of(key): 3 for key in keys}


async def test_partitions_are_applied_concurrently(db, own_broker, eventually, envelope):
    group = f"parallel-{uuid.uuid4().hex[:8]}"
    await create_applied(db)
    slow_key, quick_key = keys_on_distinct_partitions(2)
    release = asyncio.Event()
    partitions_seen: dict[str, int] = {}

    async def handler(session, env, event) -> None:
        partitions_seen[env.subject] = current_partition.get()
        if env.subject == slow_key:
            await asyncio.wait_for(release.wait(), timeout=30)
        await session.execute(text("INSERT INTO applied (event_id) VALUES (:id)"), {"id": env.id})

    slow, quick = accepted(envelope, slow_key), accepted(envelope, quick_key)
    await asyncio.to_thread(produce_raw, own_broker.bootstrap, [to_kafka(slow)])
    consumer = consumer_for(db, own_broker.bootstrap, group, handler)
    consuming = asyncio.ensure_future(consumer.run())
    try:

        async def slow_one_started() -> bool:
            return slow_key in partitions_seen

        await eventually(slow_one_started, within=30, what="the slow partition's handler")
        await asyncio.to_thread(produce_raw, own_broker.bootstrap, [to_kafka(quick)])

        async def quick_one_applied() -> bool:
            return await applied_ids(db) == [quick.id]

        # Applied (committed) while the other partition's batch is still blocked.
        await eventually(quick_one_applied, within=30, what="the quick partition applied")
        release.set()

        async def both_applied() -> bool:
            return await applied_ids(db) == [quick.id, slow.id]

        await eventually(both_applied, within=30, what="the slow partition applied")
    finally:
        release.set()
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
    assert partitions_seen == {slow_key: partition_of(slow_key), quick_key: partition_of(quick_key)}


def fake_record(env: Envelope, partition: int, offset: int) -> SimpleNamespace:
    key, value, headers = to_kafka(env)
    return SimpleNamespace(
        topic=COMPLAINT_EVENTS,
        partition=partition,
        offset=offset,
        key=key,
        value=value,
        headers=headers,
    )


async def test_records_behind_the_stored_position_are_skipped_and_republished_ones_dropped(
    db, envelope
):
    group = f"fence-{uuid.uuid4().hex[:8]}"
    await create_applied(db)
    calls: list[str] = []

    async def handler(session, env, event) -> None:
        calls.append(env.id)
        await session.execute(text("INSERT INTO applied (event_id) VALUES (:id)"), {"id": env.id})

    consumer = consumer_for(db, "127.0.0.1:1", group, handler)
    tp = TopicPartition(COMPLAINT_EVENTS, 1)
    one, two = accepted(envelope, "c-1"), accepted(envelope, "c-1")
    batch = [fake_record(one, 1, 10), fake_record(two, 1, 11)]
    assert await consumer._apply_batch(tp, batch, _Lease()) == 12
    # Fetched again (another instance, a forgotten offset): skipped before the inbox is asked.
    assert await consumer._apply_batch(tp, batch, _Lease()) == 12
    assert counted(group, "refetched") == 2
    # The same event published again at a later offset: the inbox drops it.
    assert await consumer._apply_batch(tp, [fake_record(one, 1, 12)], _Lease()) == 13
    assert counted(group, "duplicate") == 1
    assert calls == [one.id, two.id]
    assert await stored_positions(db, group) == {1: 13}


async def test_a_batch_of_a_revoked_partition_is_rolled_back(db, envelope):
    group = f"revoked-{uuid.uuid4().hex[:8]}"
    await create_applied(db)
    lease = _Lease()

    async def handler(session, env, event) -> None:
        await session.execute(text("INSERT INTO applied (event_id) VALUES (:id)"), {"id": env.id})
        lease.revoked = True  # a rebalance takes the partition away mid-batch

    consumer = consumer_for(db, "127.0.0.1:1", group, handler)
    tp = TopicPartition(COMPLAINT_EVENTS, 0)
    records = [fake_record(accepted(envelope, "c-2"), 0, n) for n in range(3)]
    with pytest.raises(_Abandoned):
        await consumer._apply_batch(tp, records, lease)
    assert await applied_ids(db) == []
    assert await stored_positions(db, group) == {}
    assert await db.scalar("SELECT count(*) FROM processed_events") == 0
