"""The `RouteStore` contract: the same cases on `FakeRouteStore` and on `SqlRouteStore` in
PostgreSQL (the `route_stores` fixture), so handler tests on the fake say what production does.
Each case uses complaint ids of its own: the PostgreSQL database is shared by the session.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from routing.adapters.repository import RouteState, SqlRouteStore
from routing.domain.rules import RoutingFacts

FACTS = RoutingFacts("complaint", "hotline", "YN-KM-HOT", "cards")
FLAGGED = RoutingFacts(
    "inquiry",
    "media",
    "YN-KM-01",
    "loans",
    severity="major",
    flags=frozenset({"media_exposure", "major_liability", "discipline"}),
)


def complaint_id() -> str:
    return f"C-{uuid.uuid4().hex[:12]}"


def state(facts: RoutingFacts = FACTS, *history: str, restricted: bool = False) -> RouteState:
    owners = history or ("YN-KM-AST",)
    return RouteState(facts, owners[-1], "branch", owners, restricted)


async def test_a_complaint_never_saved_has_no_state(route_stores):
    async with route_stores.transaction() as store:
        assert await store.lock(complaint_id()) is None


async def test_a_saved_state_comes_back_equal(route_stores):
    cid = complaint_id()
    saved = state(FLAGGED, "YN-SUP", restricted=True)
    async with route_stores.transaction() as store:
        await store.save(cid, saved)
    async with route_stores.transaction() as store:
        loaded = await store.lock(cid)
    assert loaded == saved
    assert loaded is not None and loaded.facts.flags == FLAGGED.flags


async def test_saving_again_replaces_the_state(route_stores):
    cid = complaint_id()
    async with route_stores.transaction() as store:
        await store.save(cid, state(FACTS, "YN-KM-01"))
    moved = RouteState(FACTS, "YN-SUP", "supervision", ("YN-KM-01", "YN-KM", "YN-SUP"), True)
    async with route_stores.transaction() as store:
        await store.save(cid, moved)
    async with route_stores.transaction() as store:
        assert await store.lock(cid) == moved


async def test_a_write_is_read_back_in_the_same_transaction(route_stores):
    cid = complaint_id()
    async with route_stores.transaction() as store:
        await store.save(cid, state(FACTS, "YN-KM-01"))
        first = await store.lock(cid)
        assert first is not None
        await store.save(cid, state(FACTS, *first.history, "YN-KM"))
        assert await store.lock(cid) == state(FACTS, "YN-KM-01", "YN-KM")


async def test_complaints_are_kept_apart(route_stores):
    one, other = complaint_id(), complaint_id()
    async with route_stores.transaction() as store:
        await store.save(one, state(FACTS, "YN-KM-AST"))
        await store.save(other, state(FLAGGED, "YN-CS", restricted=True))
    async with route_stores.transaction() as store:
        assert await store.lock(one) == state(FACTS, "YN-KM-AST")
        assert await store.lock(other) == state(FLAGGED, "YN-CS", restricted=True)


@pytest.mark.parametrize(
    "flags",
    [(), ("discipline",), ("major_liability", "discipline"), ("media_exposure", "discipline")],
)
async def test_flags_come_back_whatever_their_order(route_stores, flags):
    cid = complaint_id()
    facts = RoutingFacts("complaint", "on_site", "YN-KM-01", "cards", flags=frozenset(flags))
    async with route_stores.transaction() as store:
        await store.save(cid, state(facts))
    async with route_stores.transaction() as store:
        loaded = await store.lock(cid)
    assert loaded is not None and loaded.facts == facts


# -- PostgreSQL only: what a fake cannot show -----------------------------------------------
@pytest.mark.integration
async def test_lock_holds_the_row_until_the_transaction_ends(routing_sessions):
    """Two transfer requests for one complaint are applied one after the other."""
    cid = complaint_id()
    async with routing_sessions() as session, session.begin():
        await SqlRouteStore(session).save(cid, state(FACTS, "YN-KM-01"))

    first_locked = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with routing_sessions() as session, session.begin():
            store = SqlRouteStore(session)
            await store.lock(cid)
            first_locked.set()
            await release.wait()
            await store.save(cid, state(FACTS, "YN-KM-01", "YN-KM"))

    async def second() -> RouteState | None:
        await first_locked.wait()
        async with routing_sessions() as session, session.begin():
            return await SqlRouteStore(session).lock(cid)

    first_task = asyncio.create_task(first())
    second_task = asyncio.create_task(second())
    await first_locked.wait()
    await asyncio.sleep(0.3)
    assert not second_task.done()  # waiting for the first transaction's row lock
    release.set()
    await first_task
    assert await second_task == state(FACTS, "YN-KM-01", "YN-KM")
