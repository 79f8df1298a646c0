"""The `FactsStore` contract: what `SqlFacts` and `FakeFacts` both do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from notifier.domain.facts import Breach, ComplaintFacts

AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)


def facts() -> ComplaintFacts:
    received = c.ComplaintReceived(
        kind="complaint",
        channel="media",
        receiving_unit="YN-KM-01",
        business_line="cards",
        received_at=AT,
        flags=["major_liability"],
        customer=c.Customer(name="王**", phone="*********8000"),
        summary="s",
        posted_by="YN-KM-01",
    )
    assigned = r.ComplaintAssigned(
        owner_unit="YN-KM-01", handling_level="branch", rule="t", reason="t", reported_to=("YN-KM",)
    )
    state = ComplaintFacts().observe(received, AT).observe(assigned, AT).state
    return ComplaintFacts(
        state=state,
        media=True,
        handoff_told="YN-KM",
        customer="王** ***********8000",
        breaches={"resolve": Breach("YN-KM-01", AT + timedelta(hours=7), owner_told=True)},
    )


async def test_an_unknown_complaint_has_no_facts(stores):
    assert await stores.facts.load("nobody") is None


async def test_saved_facts_load_as_they_were(stores):
    await stores.facts.save("c-1", facts())
    assert await stores.facts.load("c-1") == facts()
    assert await stores.facts.load("c-2") is None


async def test_saving_again_replaces_them(stores):
    await stores.facts.save("c-1", facts())
    stopped = facts().clock_stopped("resolve", AT + timedelta(hours=8))
    later = stopped.with_breach("start", Breach("YN-KM", AT))
    await stores.facts.save("c-1", later)
    loaded = await stores.facts.load("c-1")
    assert loaded == later
    assert loaded is not None and loaded.breaches["resolve"].stopped_at == AT + timedelta(hours=8)
