"""Read a topic from its beginning up to its current end, without a consumer group.

For rebuilding a projection from the log (replay) and for tests that inspect the log.
The dev broker (Tansu) reports end offsets that count batches, not records, so the end is
"past every reported end offset, and a fetch came back empty", which holds on both brokers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition


async def read_log(
    bootstrap_servers: str,
    topic: str,
    *,
    on_total: Callable[[int], None] | None = None,
    idle_ms: int = 500,
) -> AsyncIterator[ConsumerRecord]:
    """Every record now in `topic`; within a partition in offset order.

    `on_total`, if given, is called once with the number of records the broker reports
    (an estimate: exact on Apache Kafka, low on the dev broker).
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False
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
        if on_total is not None:
            starts = await consumer.beginning_offsets(partitions)
            on_total(sum(ends[tp] - starts[tp] for tp in partitions))
        while True:
            batch = await consumer.getmany(timeout_ms=idle_ms)
            for tp in sorted(batch, key=lambda tp: tp.partition):
                for record in batch[tp]:
                    yield record
            if not batch and await _caught_up(consumer, ends):
                return
    finally:
        await consumer.stop()


async def _caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True
