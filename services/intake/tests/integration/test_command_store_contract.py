"""The command store's contract (`Registry`, and the `CommandStore` part the consumer uses),
run against `FakeCommandStore` and against PostgreSQL: registered complaints locked back with
their state, idempotency keys claimed once per caller and scope, events appended to the outbox,
and nothing of a transaction that raised."""

from __future__ import annotations

from datetime import UTC, datetime

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
            await registry.append(event("c1"))
            raise Refused
    async with stores.transactions() as registry:
        assert await registry.lock("c2") is None
        assert await registry.lock("c1") == Registered("c1", "c1-received", STATE)
        claim = {"key": "k", "digest": "h", "complaint_id": "c1", "event_id": "e1"}
        assert await registry.claim_key(caller="YN-KM", scope="s", **claim) is None
    assert await stores.outbox() == []
