"""For the replay tests of every service: a log of complaint lifecycles on a real broker, the
live consumer applying it, and `--check` run in process.

`lifecycle` writes what the services would: intake's receipt and actions, routing's
assignment, report and escalation, the SLA monitor's clock events, an erasure; `publish` adds
a repeated record (the consumers drop it by its id) and one that does not decode (they
dead-letter it); `replay_plumbing` wires the service under test on its database, as its live
consumer runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from sqlalchemy import Table

from ..contracts import complaint_events as c
from ..contracts import personal_data_events as p
from ..contracts import routing_events as r
from ..contracts import sla_events as s
from ..contracts.base import Event
from ..contracts.envelope import Envelope, new_id, to_kafka
from ..contracts.topics import COMPLAINT_EVENTS
from ..messaging.consumer import LogConsumer
from ..messaging.log_reader import read_log
from ..replay.command import Replay, run_replay
from ..runtime import Plumbing
from ..settings import ServiceSettings

OUTLET, BRANCH, PROVINCE_LINE = "YN-KM-01", "YN-KM", "YN"  # of deploy/demo/organisation.yaml


class MessagingTables(Protocol):
    """A service's `adapters.tables` module, as far as its plumbing needs it."""

    outbox: Table
    processed_events: Table


@asynccontextmanager
async def replay_plumbing(
    service: str, settings: ServiceSettings, database_url: str, tables: MessagingTables
) -> AsyncIterator[Plumbing]:
    """The service's plumbing on the database, as the live consumer runs on it; its engine is
    disposed of on the way out."""
    plumbing = Plumbing.build(
        service=service,
        settings=settings,
        database_url=database_url,
        outbox_table=tables.outbox,
        processed_table=tables.processed_events,
    )
    try:
        yield plumbing
    finally:
        await plumbing.engine.dispose()


def envelope(cid: str, at: datetime, event: Event, source: str) -> Envelope:
    return Envelope(
        id=new_id(),
        source=source,
        type=event.type_name(),
        subject=cid,
        time=at,
        data=event.model_dump(mode="json"),
    )


def lifecycle(cid: str, received: datetime, *, erased: bool = False) -> Iterator[Envelope]:
    """One complaint from receipt to closing (with a breach and its escalation)."""
    due = received + timedelta(hours=2)

    def at(minutes: float) -> datetime:
        return received + timedelta(minutes=minutes)

    def action(kind: type[c.UnitAction], minutes: float, **extra: Any) -> Envelope:
        event = kind(unit=OUTLET, at=at(minutes), posted_by=OUTLET, **extra)
        return envelope(cid, at(minutes), event, "/intake")

    yield envelope(
        cid,
        received,
        c.ComplaintReceived(
            kind="complaint",
            channel="on_site",
            receiving_unit=OUTLET,
            business_line="deposits",
            received_at=received,
            customer=c.Customer(name="王*", phone="138****0000"),
            summary="replay test",
            posted_by=OUTLET,
        ),
        "/intake",
    )
    yield envelope(
        cid,
        at(0.1),
        r.ComplaintAssigned(owner_unit=OUTLET, handling_level="branch", rule="test", reason="test"),
        "/routing",
    )
    yield envelope(
        cid, at(0.1), r.ComplaintReported(to_unit=BRANCH, by_unit=OUTLET, reason="t"), "/routing"
    )
    yield envelope(
        cid,
        at(0.2),
        s.ClockStarted(
            clock="resolve",
            owner_unit=OUTLET,
            started_at=received,
            due_at=due,
            budget_seconds=7200,
            calendar="cn",
        ),
        "/sla-monitor",
    )
    yield action(c.ComplaintAccepted, 5)
    yield action(c.CustomerContacted, 30)
    yield envelope(
        cid,
        at(90),
        s.SlaWarning(
            clock="resolve", owner_unit=OUTLET, due_at=due, point="75%", remaining_seconds=1800
        ),
        "/sla-monitor",
    )
    yield envelope(
        cid, due, s.SlaBreached(clock="resolve", owner_unit=OUTLET, due_at=due), "/sla-monitor"
    )
    yield envelope(
        cid,
        due,
        r.ComplaintEscalated(from_unit=OUTLET, to_unit=BRANCH, clock="resolve", reason="late"),
        "/routing",
    )
    yield action(c.Resolved, 200, reply="resolved")
    yield envelope(
        cid,
        at(200),
        s.ClockStopped(
            clock="resolve", owner_unit=OUTLET, outcome="met", stopped_at=at(200), late=True
        ),
        "/sla-monitor",
    )
    yield action(c.Closed, 300)
    if erased:
        yield envelope(
            cid,
            at(400),
            p.PersonalDataErased(at=at(400), reason="retention period ended"),
            "/intake",
        )


async def publish(bootstrap: str, envelopes: list[Envelope]) -> int:
    """Produce the envelopes, the first one twice, and one record that does not decode;
    return the number of records written."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        records = [to_kafka(e) for e in envelopes]
        records.insert(1, records[0])  # a repeat: dropped by its event id
        records.append((envelopes[0].subject.encode(), b"not a cloud event", []))
        for key, value, headers in records:
            await producer.send_and_wait(COMPLAINT_EVENTS, value, key=key, headers=headers)
        return len(records)
    finally:
        await producer.stop()


async def apply_live(consumer: LogConsumer, bootstrap: str) -> int:
    """Every record of the log through the live consumer (decode, inbox, handler, one
    transaction each), in log order; return how many."""
    count = 0
    async for record in read_log(bootstrap, COMPLAINT_EVENTS):
        await consumer.process(record)
        count += 1
    return count


async def check(replay: Replay, bootstrap: str, database_url: str) -> tuple[int, str]:
    """`replay --check` in process: its exit code and what it printed."""
    lines: list[str] = []
    code = await run_replay(
        replay, bootstrap_servers=bootstrap, database_url=database_url, check=True, say=lines.append
    )
    return code, "\n".join(lines)


def lifecycles(count: int, start: datetime, *, prefix: str = "RP") -> list[Envelope]:
    """`count` complaints received a minute apart, the last one erased."""
    return [
        e
        for n in range(count)
        for e in lifecycle(f"{prefix}-{n:04d}", start + timedelta(minutes=n), erased=n == count - 1)
    ]
