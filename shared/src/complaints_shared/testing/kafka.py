"""Producing and reading raw records on the test system's broker."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer

from complaints_shared.contracts.envelope import Envelope, from_kafka, to_kafka
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.messaging.log_reader import read_log


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
        return [record async for record in read_log(bootstrap, topic)]

    return asyncio.run(run())


def find_envelopes(bootstrap: str, complaint_id: str) -> list[Envelope]:
    return [
        from_kafka(r.key, r.value, r.headers)
        for r in read_all(bootstrap, COMPLAINT_EVENTS)
        if r.key == complaint_id.encode() and dict(r.headers or ()).get("ce_type")
    ]
