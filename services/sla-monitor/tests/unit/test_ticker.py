"""`BreachTicker` on the in-memory fakes: what it fires, for whom, and how long it sleeps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaints_shared.contracts.envelope import derived_id
from complaints_shared.organisation import load_organisation
from sla_monitor.config import SlaSettings
from sla_monitor.domain import clocks as k
from sla_monitor.service_layer import ticker as ticker_module
from sla_monitor.service_layer.handlers import unit_calendars
from sla_monitor.service_layer.ticker import MAX_SLEEP, BreachTicker, seconds_until
from sla_monitor.testing.fakes import (
    FakeClockStore,
    FakeDatabase,
    FakeOutbox,
    fake_stores,
)

POLICY = SlaSettings().policy()
CALENDARS = unit_calendars(
    load_organisation(Path(__file__).parents[4] / "deploy/demo/organisation.yaml")
)
AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Kunming


def assigned(at: datetime) -> k.ComplaintClocks:
    inputs = [k.Arrival("complaint", "YN-KM-01", at), k.Assignment("YN-KM-01", "branch", at)]
    return k.fold(inputs, POLICY, CALENDARS)[0]


async def seeded(partitions: dict[str, int], at: datetime = AT) -> tuple[FakeDatabase, FakeOutbox]:
    db, outbox = FakeDatabase(), FakeOutbox()
    for cid, partition in partitions.items():
        await FakeClockStore(db).save(cid, partition, assigned(at), [], CALENDARS)
    return db, outbox


def ticker(db: FakeDatabase, outbox: FakeOutbox, owned: set[int]) -> BreachTicker:
    stores = fake_stores(db, outbox)
    return BreachTicker(stores, POLICY, CALENDARS, lambda: frozenset(owned), asyncio.Event())


async def test_each_instance_fires_only_its_partitions_and_each_breach_once():
    db, outbox = await seeded({"c-0": 0, "c-1": 1, "c-2": 2})
    first, second = ticker(db, outbox, {0}), ticker(db, outbox, {1, 2})
    now = AT + timedelta(hours=3)
    assert await first.fire_due(now) == 1
    assert {cid for cid, _, _ in db.breaches} == {"c-0"}
    assert await second.fire_due(now) == 2
    assert set(db.breaches) == {
        (c, clock, 1) for c in ("c-0", "c-1", "c-2") for clock in ("transfer", "start")
    }
    count = len(outbox.envelopes)
    assert await first.fire_due(now) == 0 and await second.fire_due(now) == 0
    assert len(outbox.envelopes) == count
    assert outbox.types().count("sla.breached.v1") == 6


async def test_timer_events_carry_the_instant_they_mark_and_no_cause():
    db, outbox = await seeded({"c-0": 0})
    await ticker(db, outbox, {0}).fire_due(AT + timedelta(hours=1, minutes=5))
    marks = [(e.type, e.data["clock"], e.time - AT) for e in outbox.envelopes]
    assert marks == [
        ("sla.warning.v1", "transfer", timedelta(minutes=45)),
        ("sla.breached.v1", "transfer", timedelta(hours=1)),
        ("sla.warning.v1", "start", timedelta(hours=1)),
    ]
    breach = outbox.envelopes[1]
    assert breach.id == derived_id("c-0", "sla.breached.v1", "transfer|1|breached")
    assert (breach.causation_id, breach.correlation_id) == (None, None)


async def test_fires_at_most_the_limit_per_transaction():
    db, outbox = await seeded({f"c-{n}": 0 for n in range(5)})
    t = ticker(db, outbox, {0})
    assert await t.fire_due(AT + timedelta(hours=3), limit=2) == 2
    assert await t.fire_due(AT + timedelta(hours=3), limit=10) == 3


async def test_an_instance_that_owns_no_partition_fires_nothing_and_naps():
    db, outbox = await seeded({"c-9": 0})
    idle = ticker(db, outbox, set())
    assert await idle.fire_due(AT + timedelta(days=9)) == 0
    assert db.breaches == {} and outbox.envelopes == []
    assert await idle.seconds_to_next_timer() == MAX_SLEEP


def test_sleeps_until_the_next_timer_but_never_long_nor_negative():
    assert seconds_until(None, AT) == MAX_SLEEP
    assert seconds_until(AT + timedelta(milliseconds=250), AT) == 0.25
    assert seconds_until(AT + timedelta(hours=1), AT) == MAX_SLEEP
    assert seconds_until(AT - timedelta(hours=1), AT) == 0.0


async def test_the_next_timer_is_read_from_the_owned_partitions():
    # The first timer, 75% of `transfer`, falls 45 min after the assignment: 300 ms from now.
    db, outbox = await seeded(
        {"c-0": 0}, at=datetime.now(UTC) - timedelta(minutes=45, milliseconds=-300)
    )
    overdue = assigned(datetime.now(UTC) - timedelta(days=1))
    await FakeClockStore(db).save("c-1", 1, overdue, [], CALENDARS)  # not ours
    seconds = await ticker(db, outbox, {0}).seconds_to_next_timer()
    assert 0 < seconds < 0.31


async def test_a_tick_that_fires_nothing_waits_for_a_wake_up():
    db, outbox = await seeded({})
    t = ticker(db, outbox, {0})
    t.wake.set()  # a handler moved a deadline
    await asyncio.wait_for(t.tick(), timeout=0.5)  # returns at once instead of sleeping
    assert not t.wake.is_set()


async def test_run_keeps_going_after_a_failure(monkeypatch: pytest.MonkeyPatch):
    db, outbox = await seeded({"c-0": 0})
    t = ticker(db, outbox, {0})
    calls = 0

    async def flaky(now: datetime, limit: int = 500) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database away")
        if calls == 3:
            raise asyncio.CancelledError
        return 1

    monkeypatch.setattr(t, "fire_due", flaky)
    monkeypatch.setattr(ticker_module, "MAX_SLEEP", 0.01)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(t.run(), timeout=2)
    assert calls == 3
