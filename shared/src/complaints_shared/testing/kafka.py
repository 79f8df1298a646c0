"""Producing and reading raw records on the test system's broker."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from complaints_shared.contracts.envelope import Envelope, from_kafka, to_kafka
from complaints_shared.contracts.topics import COMPLAINT_EVENTS


def produce_raw(bootstrap: str, records: list[tuple[bytes, bytes, list]]) -> None:
    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            for key, value, headers in records:
                await producer.send_and_wait(COMPLAINT_EVENTS, value, key=key, headers=headers)
        finally:
            await producer.stop()

    asyncio.run(run())


def produce(bootstrap: str, *envelopes: Envelope) -> None:
    produce_raw(bootstrap, [to_kafka(envelope) for envelope in envelopes])


def read_all(bootstrap: str, topic: str) -> list:
    """Every record currently in `topic` (all partitions), read without a consumer group."""

    async def run() -> list:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
        )
        await consumer.start()
        try:
            await consumer.topics()  # loads the metadata partitions_for_topic reads
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            records = []
            while await _behind(consumer, ends):
                batch = await consumer.getmany(timeout_ms=500)
                for tp_records in batch.values():
                    records.extend(tp_records)
            return records
        finally:
            await consumer.stop()

    return asyncio.run(run())


async def _behind(consumer: AIOKafkaConsumer, ends: dict) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


def find_envelopes(bootstrap: str, complaint_id: str) -> list[Envelope]:
    return [
        from_kafka(r.key, r.value, r.headers)
        for r in read_all(bootstrap, COMPLAINT_EVENTS)
        if r.key == complaint_id.encode() and dict(r.headers or ()).get("ce_type")
    ]
