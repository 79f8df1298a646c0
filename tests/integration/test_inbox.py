"""The idempotent consumer: the inbox record and the consume loop, on real PostgreSQL and broker."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from complaints_shared.contracts.complaint_events import ComplaintAccepted
from complaints_shared.contracts.envelope import to_kafka
from complaints_shared.contracts.topics import DEAD_LETTERS
from complaints_shared.messaging.consumer import LogConsumer
from complaints_shared.messaging.inbox import Inbox
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.settings import ServiceSettings
from complaints_shared.testing.kafka import produce_raw, read_all

pytestmark = pytest.mark.integration


class ApplyFailed(Exception):
    pass


async def test_first_delivery_is_true_once_per_consumer(db):
    routing, notifier = Inbox(db.processed, "routing"), Inbox(db.processed, "notifier")
    async with db.sessions.begin() as session:
        assert await routing.first_delivery(session, "event-1") is True
    async with db.sessions.begin() as session:
        assert await routing.first_delivery(session, "event-1") is False
        assert await routing.first_delivery(session, "event-2") is True
    async with db.sessions.begin() as session:
        assert await notifier.first_delivery(session, "event-1") is True
        assert await notifier.first_delivery(session, "event-1") is False


async def test_a_rolled_back_delivery_is_not_recorded_so_it_can_be_retried(db):
    inbox = Inbox(db.processed, "routing")
    with pytest.raises(ApplyFailed):
        async with db.sessions.begin() as session:
            assert await inbox.first_delivery(session, "event-1") is True
            raise ApplyFailed
    async with db.sessions.begin() as session:
        assert await inbox.first_delivery(session, "event-1") is True
    assert await db.scalar("SELECT count(*) FROM processed_events") == 1


@pytest.mark.parametrize("first_commits", [True, False])
async def test_a_concurrent_delivery_waits_for_the_first_and_follows_its_outcome(
    db, eventually, first_commits
):
    inbox = Inbox(db.processed, "routing")

    async def second() -> bool:
        async with db.sessions.begin() as session:
            return await inbox.first_delivery(session, "event-1")

    session = db.sessions()
    transaction = await session.begin()
    try:
        assert await inbox.first_delivery(session, "event-1") is True
        concurrent = asyncio.create_task(second())

        async def blocked() -> bool:
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            waiting += "AND datname = current_database()"
            return await db.scalar(waiting) == 1

        await eventually(blocked, within=5, what="the second delivery waiting on the first")
        await (transaction.commit() if first_commits else transaction.rollback())
    finally:
        await session.close()
    assert await asyncio.wait_for(concurrent, timeout=5) is (not first_commits)
    assert await db.scalar("SELECT count(*) FROM processed_events") == 1


async def test_the_consumer_applies_a_redelivered_event_once_and_dead_letters_garbage(
    db, broker, start_relay, eventually, envelope
):
    group = f"inbox-test-{uuid.uuid4().hex[:8]}"
    cid = str(uuid.uuid4())
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE applied (n serial PRIMARY KEY, event_id text)"))

    async def record_application(session, env, event) -> None:
        assert isinstance(event, ComplaintAccepted)
        await session.execute(text("INSERT INTO applied (event_id) VALUES (:id)"), {"id": env.id})

    accepted = envelope(
        cid,
        {"unit": "YN-DL", "at": "2026-11-18T10:00:00+08:00", "posted_by": "clerk"},
        type_=ComplaintAccepted.type_name(),
    )
    record = to_kafka(accepted)
    garbage = (cid.encode(), b"not a cloud event", [])
    # One key, so one partition: the garbage is handled after both copies of the event.
    await asyncio.to_thread(produce_raw, broker.bootstrap, [record, record, garbage])

    settings = ServiceSettings(kafka_bootstrap_servers=broker.bootstrap)
    outbox = Outbox(db.outbox)
    consumer = LogConsumer(
        service=group,
        settings=settings,
        sessions=db.sessions,
        outbox=outbox,
        inbox=Inbox(db.processed, group),
        handlers={ComplaintAccepted: record_application},
        group_id=group,
    )
    start_relay(db, broker.bootstrap)  # dead letters travel through the outbox
    consuming = asyncio.ensure_future(consumer.run())
    try:

        async def dead_letters() -> list:
            records = await asyncio.to_thread(read_all, broker.bootstrap, DEAD_LETTERS)
            return [r for r in records if dict(r.headers).get("dlq_consumer") == group.encode()]

        [letter] = await eventually(dead_letters, within=30, what="the dead letter")
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)

    headers = dict(letter.headers)
    assert letter.key == cid.encode()
    assert letter.value == b"not a cloud event"
    assert headers["dlq_reason"] == b"not a CloudEvent: ce_id/ce_type headers missing"
    assert headers["dlq_source"].startswith(b"complaint-events:")
    assert await db.scalar("SELECT count(*) FROM applied") == 1
    assert await db.scalar("SELECT event_id FROM applied") == accepted.id
    counted = {
        outcome: REGISTRY.get_sample_value(
            "events_consumed_total", {"service": group, "outcome": outcome}
        )
        for outcome in ("applied", "duplicate", "dead_lettered")
    }
    assert counted == {"applied": 1.0, "duplicate": 1.0, "dead_lettered": 1.0}
