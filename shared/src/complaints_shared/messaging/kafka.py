"""aiokafka factories and topic creation, configured from ServiceSettings."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from ..contracts.topics import ALL_TOPICS, COMPLAINT_EVENTS
from ..settings import ServiceSettings


def make_producer(settings: ServiceSettings, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        request_timeout_ms=10_000,
        # The relay sends a whole outbox batch before awaiting the acks, so records batch up
        # within a few milliseconds; a lone record waits no longer than this.
        linger_ms=settings.kafka_linger_ms,
    )


def make_consumer(
    settings: ServiceSettings,
    group_id: str,
    *,
    listener: ConsumerRebalanceListener | None = None,
) -> AIOKafkaConsumer:
    """A consumer of the complaint events in `group_id`, told of rebalances by `listener`."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
        # An idle fetch is held by the broker up to this long (aiokafka's default, 500 ms,
        # would be added to every hop through the log).
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
    )
    if listener is None:
        consumer.subscribe([COMPLAINT_EVENTS])
    else:
        consumer.subscribe([COMPLAINT_EVENTS], listener=listener)
    return consumer


async def create_topics(bootstrap_servers: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=1) for name in ALL_TOPICS]
        )
        for name, code, *_ in getattr(response, "topic_errors", []):
            if code not in (0, TopicAlreadyExistsError.errno):
                raise RuntimeError(f"creating topic {name} failed with error code {code}")
    except TopicAlreadyExistsError:
        pass
    finally:
        await admin.close()
