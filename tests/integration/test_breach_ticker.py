"""The breach ticker fires each due clock once, and only in the partitions its instance owns."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from complaints_shared.messaging.inbox import Inbox
from complaints_shared.messaging.outbox import Outbox, decode_headers
from complaints_shared.organisation import load_organisation
from complaints_shared.workflow.lifecycle import ComplaintState, Handler, to_json
from sla_monitor.adapters import tables
from sla_monitor.adapters.stores import sql_stores
from sla_monitor.config import SlaSettings
from sla_monitor.domain import clocks as k
from sla_monitor.service_layer.handlers import unit_calendars
from sla_monitor.service_layer.ticker import BreachTicker

pytestmark = pytest.mark.integration

POLICY = SlaSettings().policy()
CALENDARS = unit_calendars(load_organisation("deploy/demo/organisation.yaml"))


def overdue_state(hours_ago: float) -> k.ComplaintClocks:
    """A complaint assigned to a branch long enough ago that its `start` clock is due."""
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    state, _ = k.fold(
        [k.Arrival("complaint", "YN-KM-01", at), k.Assignment("YN-KM-01", "branch", at)],
        POLICY,
        CALENDARS,
    )
    return state


async def seed(db, partition_of: dict[str, int]) -> None:
    async with db.engine.begin() as conn:
        for table in (
            tables.complaint_clocks,
            tables.clocks,
            tables.breaches,
            tables.complaint_states,
        ):
            await conn.run_sync(table.create, checkfirst=True)
    async with db.sessions.begin() as session:
        for complaint_id, partition in partition_of.items():
            state = overdue_state(hours_ago=3)
            await session.execute(
                insert(tables.complaint_clocks).values(
                    complaint_id=complaint_id,
                    partition=partition,
                    state=k.to_json(state),
                    next_timer=k.next_timer(state),
                )
            )


def ticker(db, owned: set[int]) -> BreachTicker:
    stores = sql_stores(db.sessions, Outbox(db.outbox), Inbox(tables.processed_events, "t"))
    return BreachTicker(stores, POLICY, CALENDARS, lambda: frozenset(owned), asyncio.Event())


async def breach_events(db) -> int:
    async with db.sessions() as session:
        rows = await session.execute(select(db.outbox.c.headers))
        return sum(
            dict(decode_headers(headers)).get("ce_type") == b"sla.breached.v1"
            for (headers,) in rows
        )


async def breached_clocks(db) -> set[tuple[str, str]]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(tables.breaches.c.complaint_id, tables.breaches.c.clock)
        )
        return set(rows.all())


async def test_each_instance_fires_only_the_partitions_it_owns_and_each_breach_once(db):
    await seed(db, {"c-0": 0, "c-1": 1, "c-2": 2})
    first, second = ticker(db, {0}), ticker(db, {1, 2})
    now = datetime.now(UTC)

    assert await first.fire_due(now) == 1
    assert {c for c, _ in await breached_clocks(db)} == {"c-0"}
    assert await second.fire_due(now) == 2
    assert {c for c, _ in await breached_clocks(db)} == {"c-0", "c-1", "c-2"}
    # Fired again: nothing new is due, nothing is emitted twice.
    events_before = await db.scalar("SELECT count(*) FROM outbox")
    assert await first.fire_due(now) == 0 and await second.fire_due(now) == 0
    assert await db.scalar("SELECT count(*) FROM outbox") == events_before
    assert await breach_events(db) == 6  # transfer and start, for each of the three


async def test_an_instance_that_owns_no_partition_fires_nothing(db):
    await seed(db, {"c-9": 0})
    assert await ticker(db, set()).fire_due(datetime.now(UTC)) == 0
    assert await breached_clocks(db) == set()


async def test_a_breach_names_the_handler_holding_the_complaint_when_it_fires(db):
    """The ticker attributes what it fires to the handler of the complaint's lifecycle state:
    on the `sla.breached` event and on its row among the breaches."""
    await seed(db, {"c-0": 0, "c-1": 0})
    held = ComplaintState(owner_unit="YN-KM-01", handler=Handler("u-7", "Li"))
    async with db.sessions.begin() as session:
        await session.execute(
            insert(tables.complaint_states).values(complaint_id="c-0", state=to_json(held))
        )
    assert await ticker(db, {0}).fire_due(datetime.now(UTC)) == 2
    async with db.sessions() as session:
        rows = await session.execute(
            select(
                tables.breaches.c.complaint_id,
                tables.breaches.c.handler_id,
                tables.breaches.c.handler_name,
            )
        )
        attributed = set(rows.all())
        events = await session.execute(select(db.outbox.c.headers, db.outbox.c.value))
        breached = [
            json.loads(value)
            for headers, value in events
            if dict(decode_headers(headers)).get("ce_type") == b"sla.breached.v1"
        ]
    assert attributed == {("c-0", "u-7", "Li"), ("c-1", None, None)}
    assert sorted(str(data["handler"]) for data in breached) == [
        "None",
        "None",
        "{'id': 'u-7', 'name': 'Li'}",
        "{'id': 'u-7', 'name': 'Li'}",
    ]
