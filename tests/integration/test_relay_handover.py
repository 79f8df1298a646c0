"""When the leading relay's database session dies, the next relay takes over without doubling."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter

import pytest

from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.messaging.relay import _LEADER_LOCK
from complaints_shared.testing.kafka import read_all

pytestmark = pytest.mark.integration

LEADER_PID = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :lock AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def test_a_new_leader_takes_over_in_order_and_the_old_one_stops(
    db, broker, start_relay, eventually, envelope
):
    complaint_id = str(uuid.uuid4())
    for _ in range(2):
        start_relay(db, broker.bootstrap)
    leader = await eventually(
        lambda: db.scalar(LEADER_PID.replace(":lock", str(_LEADER_LOCK))), what="a leader"
    )

    written, stop_at = 0, time.monotonic() + 4
    while time.monotonic() < stop_at:  # a steady stream of writes across the handover
        async with db.sessions.begin() as session:
            await Outbox(db.outbox).append(session, [envelope(complaint_id, {"seq": written})])
        written += 1
        if written == 100:
            await db.scalar(f"SELECT pg_terminate_backend({leader})")

    await eventually(
        lambda: db.scalar("SELECT count(*) = 0 FROM outbox WHERE published_at IS NULL"),
        within=20,
        what="the outbox drained",
    )
    records = await asyncio.to_thread(read_all, broker.bootstrap, COMPLAINT_EVENTS)
    sequence = [
        json.loads(r.value)["seq"]
        for r in sorted(records, key=lambda r: r.offset)
        if r.key == complaint_id.encode()
    ]
    first_seen = list(dict.fromkeys(sequence))
    assert first_seen == list(range(written))  # nothing lost, first copies in order
    doubled = sum(count - 1 for count in Counter(sequence).values())
    # Before the fix the deposed leader kept publishing: hundreds of repeats. Only a batch
    # caught in flight at the moment of the handover may repeat now.
    assert doubled <= 50, doubled
