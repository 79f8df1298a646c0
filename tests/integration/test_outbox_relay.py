"""The outbox relay against a real PostgreSQL and a real Kafka-protocol broker."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict

import pytest
from prometheus_client import REGISTRY

from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.messaging.kafka import create_topics
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.testing.kafka import read_all
from devstack.broker import TansuBroker
from devstack.ports import free_port
from devstack.proxy import TcpProxy

pytestmark = pytest.mark.integration


async def records_of(bootstrap: str, complaint_ids: set[str]) -> list:
    records = await asyncio.to_thread(read_all, bootstrap, COMPLAINT_EVENTS)
    return [r for r in records if r.key.decode() in complaint_ids]


async def append_one(db, envelope) -> None:
    async with db.sessions.begin() as session:
        await Outbox(db.outbox).append(session, [envelope])


async def unpublished(db) -> int:
    return await db.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")


async def test_appended_events_are_published_with_key_and_cloudevents_headers(
    db, broker, start_relay, eventually, envelope
):
    cid = str(uuid.uuid4())
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
    events = [envelope(cid, {"seq": n}) for n in range(3)]
    events[1] = events[1].with_trace({"traceparent": traceparent})
    async with db.sessions.begin() as session:
        await Outbox(db.outbox).append(session, events)
    start_relay(db, broker.bootstrap)

    await eventually(lambda: _none_left(db), what="rows marked published")
    records = await records_of(broker.bootstrap, {cid})
    assert [dict(r.headers)["ce_id"].decode() for r in records] == [e.id for e in events]
    for record, event in zip(records, events, strict=True):
        headers = dict(record.headers)
        assert record.key == cid.encode()
        assert headers["ce_specversion"] == b"1.0"
        assert headers["ce_type"] == b"test.sequenced.v1"
        assert headers["ce_source"] == b"integration-tests"
        assert headers["ce_subject"] == cid.encode()
        assert headers["ce_time"].startswith(b"2026-11-18T09:30:00")
        assert json.loads(record.value) == event.data
    traceparents = [v.decode() for k, v in records[1].headers if k == "traceparent"]
    assert len(traceparents) == 1 and traceparents[0].split("-")[1] == trace_id
    assert await db.scalar("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL") == 3


async def _none_left(db) -> bool:
    return await unpublished(db) == 0


async def test_several_relays_publish_each_complaint_in_order(
    db, broker, start_relay, eventually, envelope
):
    complaints = [str(uuid.uuid4()) for _ in range(10)]
    per_complaint = 30
    relays = [start_relay(db, broker.bootstrap) for _ in range(3)]

    async def writer(mine: list[str]) -> None:
        for seq in range(per_complaint):  # one complaint's events: sequential, one writer
            for cid in mine:
                await append_one(db, envelope(cid, {"seq": seq}))

    await asyncio.gather(*(writer(complaints[i::5]) for i in range(5)))
    total = len(complaints) * per_complaint
    assert await db.scalar("SELECT count(*) FROM outbox") == total
    await eventually(lambda: _none_left(db), within=30, what="all rows published")

    records = await records_of(broker.bootstrap, set(complaints))
    partitions: dict[str, set[int]] = defaultdict(set)
    sequences: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        partitions[record.key.decode()].add(record.partition)
        sequences[record.key.decode()].append(json.loads(record.value)["seq"])
    assert all(len(p) == 1 for p in partitions.values()), "a complaint spans partitions"
    assert dict(sequences) == {cid: list(range(per_complaint)) for cid in complaints}

    published = [
        REGISTRY.get_sample_value("outbox_published_total", {"service": r.service}) or 0
        for r in relays
    ]
    assert sorted(published) == [0, 0, total], "only the advisory-lock leader publishes"


async def test_a_commit_wakes_the_idle_relay_long_before_the_fallback_poll(
    db, broker, start_relay, eventually, envelope
):
    cid = str(uuid.uuid4())
    relay = start_relay(db, broker.bootstrap, poll=30)
    await append_one(db, envelope(cid, {"seq": 0}))
    await eventually(lambda: _none_left(db), within=10, what="the first event published")

    async def idle() -> bool:  # an empty pass is followed at once by waiting for a wake-up
        return bool(relay.passes) and relay.passes[-1] == 0

    await eventually(idle, within=5, what="the relay idling")
    await append_one(db, envelope(cid, {"seq": 1}))
    await eventually(lambda: _none_left(db), within=5, what="NOTIFY waking the relay")
    records = await records_of(broker.bootstrap, {cid})
    assert [json.loads(r.value)["seq"] for r in records] == [0, 1]


@pytest.fixture
def cut_broker():
    """A dedicated broker reachable only through a proxy, which starts out cut."""
    broker_port, proxy_port = free_port(), free_port()
    server = TansuBroker(broker_port, advertised_port=proxy_port)
    proxy = TcpProxy(proxy_port, broker_port)
    try:
        server.start()
        proxy.start()
        asyncio.run(create_topics(server.bootstrap, 1))
        proxy.cut()
        yield proxy, server.bootstrap
    finally:
        proxy.stop()
        server.stop()


async def test_events_wait_in_the_outbox_while_the_broker_is_unreachable(
    db, cut_broker, start_relay, eventually, envelope
):
    proxy, bootstrap = cut_broker
    cid = str(uuid.uuid4())
    relay = start_relay(db, bootstrap)
    for seq in range(5):
        await append_one(db, envelope(cid, {"seq": seq}))

    async def failed_twice() -> bool:
        return relay.failures >= 2

    await eventually(failed_twice, within=10, what="the relay failing to reach the broker")
    assert await unpublished(db) == 5

    await asyncio.to_thread(proxy.restore)
    await eventually(lambda: _none_left(db), within=15, what="publishing after the outage")
    records = await records_of(bootstrap, {cid})
    assert [json.loads(r.value)["seq"] for r in records] == list(range(5))
