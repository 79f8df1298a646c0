"""The command store's contract (`Registry`, and the `CommandStore` part the consumer uses),
run against `FakeCommandStore` and against PostgreSQL: registered complaints locked back with
their state, idempotency keys claimed once per caller and scope, customers' complaints counted
in a time window by key (one customer's registrations one after another), events appended to
the outbox, and nothing of a transaction that raised."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.workflow.lifecycle import ComplaintState, Handler
from intake.adapters.registry import ClaimedKey, Registered

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
STATE = ComplaintState(registered=True, receiving_unit="YN-KM-01", involved=("YN-KM-01",))


def event(complaint_id: str) -> Envelope:
    return Envelope(
        id=new_id(),
        source="/intake",
        type="complaint.note.v1",
        subject=complaint_id,
        time=T0,
        data={"text": "x"},
    )


async def register_in(registry, complaint_id: str) -> None:
    await registry.register(
        complaint_id=complaint_id,
        receiving_unit="YN-KM-01",
        posted_by="YN-KM",
        received_event_id=f"{complaint_id}-received",
        state=STATE,
    )


async def register(stores, complaint_id: str = "c1") -> None:
    async with stores.transactions() as registry:
        await register_in(registry, complaint_id)


async def test_a_registered_complaint_is_locked_with_its_state(stores):
    await register(stores)
    async with stores.transactions() as registry:
        assert await registry.lock("c1") == Registered("c1", "c1-received", STATE)
        assert await registry.lock("c2") is None


async def test_the_saved_state_is_what_the_next_lock_reads(stores):
    await register(stores)
    folded = ComplaintState(
        status="in_progress",
        registered=True,
        receiving_unit="YN-KM-01",
        owner_unit="YN-KM",
        handling_level="branch",
        handler=Handler("e7", "李"),
        involved=("YN-KM-01", "YN-KM"),
        owners=(("YN-KM", T0),),
        running_clocks=("resolve",),
    )
    async with stores.transactions() as registry:
        await registry.save_state("c1", folded)
        await registry.save_state("c2", folded)  # not registered: nothing to save
    async with stores.transactions() as registry:
        assert await registry.lock("c1") == Registered("c1", "c1-received", folded)
        assert await registry.lock("c2") is None


async def test_a_key_is_claimed_once_per_caller_and_scope(stores):
    claim = {"key": "k", "digest": "h1", "complaint_id": "c1", "event_id": "e1"}
    async with stores.transactions() as registry:
        assert await registry.claim_key(caller="YN-KM", scope="complaints", **claim) is None
    async with stores.transactions() as registry:
        again = {**claim, "digest": "h2", "complaint_id": "c9", "event_id": "e9"}
        earlier = await registry.claim_key(caller="YN-KM", scope="complaints", **again)
        assert earlier == ClaimedKey("h1", "c1", "e1")
        assert await registry.claim_key(caller="YN-KM-01", scope="complaints", **again) is None
        assert await registry.claim_key(caller="YN-KM", scope="events:c1", **again) is None


async def test_appended_events_are_in_the_outbox_in_order(stores):
    await register(stores)
    first, second = event("c1"), event("c1")
    async with stores.transactions() as registry:
        await registry.append(first)
        await registry.append(second)
    assert await stores.outbox() == [first.id, second.id]


class Refused(Exception):
    pass


async def test_nothing_of_a_transaction_that_raised_remains(stores):
    await register(stores)
    with pytest.raises(Refused):
        async with stores.transactions() as registry:
            await register_in(registry, "c2")
            await registry.save_state("c1", ComplaintState(status="closed", registered=True))
            claim = {"key": "k", "digest": "h", "complaint_id": "c1", "event_id": "e1"}
            assert await registry.claim_key(caller="YN-KM", scope="s", **claim) is None
            await registry.remember_customer(complaint_id="c2", customer_key="k1", received_at=T0)
            await registry.append(event("c1"))
            raise Refused
    async with stores.transactions() as registry:
        assert await registry.lock("c2") is None
        assert await registry.lock("c1") == Registered("c1", "c1-received", STATE)
        claim = {"key": "k", "digest": "h", "complaint_id": "c1", "event_id": "e1"}
        assert await registry.claim_key(caller="YN-KM", scope="s", **claim) is None
        assert await count(registry, "k1", T0 + timedelta(days=1)) == 0
    assert await stores.outbox() == []


async def count(registry, customer_key: str, before: datetime, days: int = 365) -> int:
    since = before - timedelta(days=days)
    return await registry.count_customer_complaints(
        customer_key=customer_key, since=since, before=before
    )


async def test_a_customers_complaints_are_counted_in_the_window(stores):
    def hours(n: float) -> datetime:
        return T0 + timedelta(hours=n)

    async with stores.transactions() as registry:
        for complaint_id, key, when in [
            ("c1", "k1", hours(0)),
            ("c2", "k1", hours(10)),
            ("c3", "k1", hours(20)),
            ("c4", "k2", hours(10)),
        ]:
            await registry.remember_customer(
                complaint_id=complaint_id, customer_key=key, received_at=when
            )
    async with stores.transactions() as registry:
        since, before = hours(0), hours(20)
        kwargs = {"customer_key": "k1", "since": since, "before": before}
        assert await registry.count_customer_complaints(**kwargs) == 2  # since in, before out
        kwargs |= {"since": hours(0.5), "before": hours(20.5)}
        assert await registry.count_customer_complaints(**kwargs) == 2
        kwargs |= {"customer_key": "k2"}
        assert await registry.count_customer_complaints(**kwargs) == 1
        kwargs |= {"customer_key": "k3"}
        assert await registry.count_customer_complaints(**kwargs) == 0
        kwargs = {"customer_key": "k1", "since": hours(21), "before": hours(30)}
        assert await registry.count_customer_complaints(**kwargs) == 0


async def test_the_window_compares_instants_whatever_the_offset(stores):
    plus_8 = T0.astimezone(timezone(timedelta(hours=8)))
    async with stores.transactions() as registry:
        await registry.remember_customer(complaint_id="c1", customer_key="k1", received_at=plus_8)
    async with stores.transactions() as registry:
        assert await count(registry, "k1", T0 + timedelta(seconds=1)) == 1
        assert await count(registry, "k1", T0) == 0


async def test_one_customers_registrations_count_one_after_the_other(stores):
    """The second transaction counts only once the first has ended, so it sees its complaint.
    (The fake never interleaves transactions of its own; here the first waits on purpose.)"""
    if stores.kind == "fake":
        pytest.skip("the in-memory store has no concurrent transactions to order")
    counted = asyncio.Event()
    release = asyncio.Event()

    async def first() -> int:
        async with stores.transactions() as registry:
            n = await count(registry, "k1", T0)
            await registry.remember_customer(complaint_id="c1", customer_key="k1", received_at=T0)
            counted.set()
            await release.wait()
            return n

    async def second() -> int:
        await counted.wait()
        async with stores.transactions() as registry:
            n = await count(registry, "k1", T0 + timedelta(minutes=1))
            await registry.remember_customer(
                complaint_id="c2", customer_key="k1", received_at=T0 + timedelta(minutes=1)
            )
            return n

    one, two = asyncio.create_task(first()), asyncio.create_task(second())
    await counted.wait()
    await asyncio.sleep(0.3)
    assert not two.done()  # waiting for the first's lock on the customer
    async with stores.transactions() as registry:  # another customer does not wait
        assert await count(registry, "k2", T0) == 0
    release.set()
    assert (await one, await two) == (0, 1)
