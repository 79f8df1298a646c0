"""Two instances of one service in one consumer group split the partitions, each reports what
it owns (`consumer_assigned_partitions`), and when one leaves the other takes everything over
from the stored positions, applying nothing twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.complaint_events import ComplaintAccepted
from complaints_shared.contracts.envelope import Envelope, to_kafka
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.messaging.consumer import LogConsumer
from complaints_shared.messaging.inbox import Inbox
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.settings import ServiceSettings
from complaints_shared.testing.kafka import produce_raw
from devstack.broker import TansuBroker
from devstack.fixtures import running_broker

pytestmark = pytest.mark.integration
PARTITIONS = 4


@pytest.fixture
def own_broker() -> Iterator[TansuBroker]:
    with running_broker(PARTITIONS) as server:
        yield server


def owned(instance: str) -> set[int]:
    """The partitions an instance reports at /metrics as assigned to it."""
    return {
        p
        for p in range(PARTITIONS)
        if REGISTRY.get_sample_value(
            "consumer_assigned_partitions",
            {"service": instance, "topic": COMPLAINT_EVENTS, "partition": str(p)},
        )
        == 1
    }


async def test_two_instances_split_the_partitions_and_one_takes_over_when_the_other_leaves(
    db, own_broker, eventually, envelope
):
    group = f"split-{uuid.uuid4().hex[:8]}"
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE applied (n serial PRIMARY KEY, event_id text)"))

    async def handler(session, env, event) -> None:
        await session.execute(text("INSERT INTO applied (event_id) VALUES (:id)"), {"id": env.id})

    def instance(name: str) -> LogConsumer:
        return LogConsumer(
            service=name,  # the metrics' label: one per instance in this one process
            settings=ServiceSettings(kafka_bootstrap_servers=own_broker.bootstrap),
            sessions=db.sessions,
            outbox=Outbox(db.outbox),
            inbox=Inbox(db.processed, group),
            handlers={Event: handler},
            group_id=group,
        )

    def accepted(n: int) -> Envelope:
        data = {"unit": "YN-DL", "at": "2026-11-18T10:00:00+08:00", "posted_by": "clerk"}
        return envelope(f"c-{n}", data, type_=ComplaintAccepted.type_name())

    async def publish(events: list[Envelope]) -> None:
        await asyncio.to_thread(produce_raw, own_broker.bootstrap, [to_kafka(e) for e in events])

    async def applied() -> list[str]:
        async with db.engine.connect() as conn:
            return [r.event_id for r in await conn.execute(text("SELECT event_id FROM applied"))]

    first, second = f"{group}-a", f"{group}-b"
    running = {name: asyncio.ensure_future(instance(name).run()) for name in (first, second)}
    try:
        await eventually(
            lambda: (
                owned(first)
                and owned(second)
                and owned(first) | owned(second) == set(range(PARTITIONS))
            ),
            within=60,
            what="the partitions split between both instances",
        )
        assert not owned(first) & owned(second)
        events = [accepted(n) for n in range(20)]
        await publish(events[:10])

        async def count_is(n: int) -> bool:
            return len(await applied()) == n

        await eventually(lambda: count_is(10), within=30, what="the first half applied")
        running[first].cancel()
        await asyncio.gather(running[first], return_exceptions=True)
        assert owned(first) == set()  # a stopped instance reports nothing
        await publish(events[10:])
        await eventually(
            lambda: owned(second) == set(range(PARTITIONS)),
            within=60,
            what="the remaining instance owning every partition",
        )
        await eventually(lambda: count_is(20), within=30, what="the second half applied")
        assert sorted(await applied()) == sorted(e.id for e in events)
    finally:
        for task in running.values():
            task.cancel()
        await asyncio.gather(*running.values(), return_exceptions=True)
