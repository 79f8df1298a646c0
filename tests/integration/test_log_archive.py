"""The dev broker's log archived into PostgreSQL and restored into a new broker, exactly.

Real embedded PostgreSQL and real Tansu brokers: records written while the archiver runs are
restored at the same offsets of the same partitions with their keys, values, headers and
timestamps; a stored consumer position past the restored end refuses the start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import MetaData, func, insert
from sqlalchemy.ext.asyncio import create_async_engine

from complaints_shared.contracts.topics import ALL_TOPICS, COMPLAINT_EVENTS, DEAD_LETTERS
from complaints_shared.messaging.kafka import create_topics
from complaints_shared.messaging.tables import define_consumer_positions, define_messaging_tables
from devstack.archiver import LogArchiver, end_offsets
from devstack.broker import TansuBroker
from devstack.fixtures import running_postgres, scratch_dir
from devstack.keeping import KeptDataRefused
from devstack.kept import KeptData
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres

pytestmark = pytest.mark.integration
PARTITIONS = 3


@pytest.fixture
def postgres() -> Iterator[EmbeddedPostgres]:
    with running_postgres("complaints-archive-", durable=False) as server:
        yield server


def new_broker() -> TansuBroker:
    broker = TansuBroker(free_port())
    broker.start()
    asyncio.run(create_topics(broker.bootstrap, PARTITIONS))
    return broker


async def produce(bootstrap: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        sent = [
            await producer.send(
                DEAD_LETTERS if i % 7 == 0 else COMPLAINT_EVENTS,
                f"value {i}".encode(),
                key=f"complaint-{i % 5}".encode(),
                headers=[("ce_id", f"event-{i}".encode()), ("empty", b"")],
                timestamp_ms=1_700_000_000_000 + i,
            )
            for i in range(count)
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def everything(bootstrap: str) -> dict[tuple[str, int, int], tuple]:
    """(topic, partition, offset) -> (key, value, headers, timestamp) of every record."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        ends = await end_offsets(bootstrap)
        consumer.assign(list(ends))
        await consumer.seek_to_beginning(*ends)
        seen: dict[tuple[str, int, int], tuple] = {}
        while len(seen) < sum(ends.values()):
            for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                for r in records:
                    seen[(tp.topic, tp.partition, r.offset)] = (
                        r.key,
                        r.value,
                        tuple(r.headers),
                        r.timestamp,
                    )
        return seen
    finally:
        await consumer.stop()


def test_the_log_is_restored_at_the_same_offsets(postgres):
    kept = KeptData(postgres, postgres.data_dir)
    first = new_broker()
    try:
        asyncio.run(produce(first.bootstrap, 40))  # before the archiver starts
        archiver = LogArchiver(first.bootstrap, kept.url)
        archiver.start()
        asyncio.run(produce(first.bootstrap, 60))  # while it runs
        before = asyncio.run(everything(first.bootstrap))
        assert archiver.drain(timeout=60)
    finally:
        first.stop()
    assert len(before) == 100
    assert {topic for topic, _, _ in before} == set(ALL_TOPICS)

    second = new_broker()
    try:
        ends = kept.restore(second.bootstrap)
        after = asyncio.run(everything(second.bootstrap))
        broker_ends = asyncio.run(end_offsets(second.bootstrap))
    finally:
        second.stop()
    assert after == before
    assert sum(ends.values()) == 100
    assert {(tp.topic, tp.partition): n for tp, n in broker_ends.items()} == ends


def test_a_second_session_archives_only_what_is_new(postgres):
    """Restore, archive again, restore again: no record twice, none lost."""
    kept = KeptData(postgres, postgres.data_dir)
    for round_ in range(2):
        broker = new_broker()
        try:
            kept.restore(broker.bootstrap)
            archiver = LogArchiver(broker.bootstrap, kept.url)
            archiver.start()
            asyncio.run(produce(broker.bootstrap, 10))
            assert archiver.drain(timeout=60)
            total = sum(asyncio.run(end_offsets(broker.bootstrap)).values())
        finally:
            broker.stop()
        assert total == 10 * (round_ + 1)


def test_restoring_into_a_broker_that_holds_records_is_refused(postgres):
    kept = KeptData(postgres, postgres.data_dir)
    broker = new_broker()
    try:
        asyncio.run(produce(broker.bootstrap, 3))
        with pytest.raises(KeptDataRefused, match="already holds records"):
            kept.restore(broker.bootstrap)
    finally:
        broker.stop()


def test_a_position_past_the_restored_end_refuses_the_start(postgres):
    kept = KeptData(postgres, postgres.data_dir)
    postgres.create_database("routing_positions")
    url = postgres.url("routing_positions")

    async def store_position(next_offset: int) -> None:
        metadata = MetaData()
        table = define_consumer_positions(metadata)
        engine = create_async_engine(url)
        async with engine.begin() as db:
            await db.run_sync(metadata.create_all)
            await db.execute(table.delete())
            await db.execute(
                insert(table).values(
                    group_id="routing", topic=COMPLAINT_EVENTS, partition=1, next_offset=next_offset
                )
            )
        await engine.dispose()

    ends = {(COMPLAINT_EVENTS, 0): 4, (COMPLAINT_EVENTS, 1): 5, (COMPLAINT_EVENTS, 2): 0}
    asyncio.run(store_position(5))
    kept.check_services({"routing": url}, ends)  # at the end: fine
    asyncio.run(store_position(8))
    with pytest.raises(KeptDataRefused) as refusal:
        kept.check_services({"routing": url}, ends)
    message = str(refusal.value)
    assert "routing" in message and f"{COMPLAINT_EVENTS}[1]" in message
    assert "3 record(s) missing" in message and "make reset" in message


def test_a_changed_secret_or_organisation_is_refused(postgres):
    with scratch_dir("complaints-org-") as folder:
        org = folder / "organisation.yaml"
        org.write_text("units: []\n")
        kept = KeptData(postgres, postgres.data_dir)
        assert kept.open(org, "secret-one", PARTITIONS) is False  # first start
        assert kept.open(org, "secret-one", PARTITIONS) is True  # the same settings again
        with pytest.raises(KeptDataRefused, match="JWT_SECRET"):
            kept.open(org, "secret-two", PARTITIONS)
        org.write_text("units: [changed]\n")
        with pytest.raises(KeptDataRefused, match="organisation file") as refusal:
            kept.open(org, "secret-one", PARTITIONS)
        assert "JWT_SECRET" not in str(refusal.value)


def test_a_published_record_missing_from_the_kept_log_refuses_the_start(postgres):
    kept = KeptData(postgres, postgres.data_dir)
    postgres.create_database("intake_outbox")
    url = postgres.url("intake_outbox")

    async def publish(value: bytes) -> None:
        metadata = MetaData()
        outbox, _ = define_messaging_tables(metadata)
        engine = create_async_engine(url)
        async with engine.begin() as db:
            await db.run_sync(metadata.create_all)
            await db.execute(
                insert(outbox).values(
                    event_id=value.decode(),
                    topic=COMPLAINT_EVENTS,
                    key="complaint-1",
                    value=value,
                    headers=[],
                    published_at=func.now(),
                )
            )
        await engine.dispose()

    broker = new_broker()
    try:
        archiver = LogArchiver(broker.bootstrap, kept.url)
        archiver.start()
        asyncio.run(publish(b"archived"))
        asyncio.run(send(broker.bootstrap, COMPLAINT_EVENTS, b"complaint-1", b"archived"))
        assert archiver.drain(timeout=60)
    finally:
        broker.stop()
    kept.check_services({"intake": url}, {})  # every published record is kept
    asyncio.run(publish(b"published, then the run was killed"))
    with pytest.raises(KeptDataRefused) as refusal:
        kept.check_services({"intake": url}, {})
    assert "intake: 1 published record(s)" in str(refusal.value)
    assert "make reset" in str(refusal.value)


async def send(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()
