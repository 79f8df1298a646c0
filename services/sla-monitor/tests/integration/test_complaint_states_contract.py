"""`ComplaintStates`: the same cases on the fake and on PostgreSQL (see conftest `backend`)."""

from __future__ import annotations

from datetime import UTC, datetime

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.workflow.lifecycle import ComplaintState, apply

AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)


def registered(owner: str | None = None) -> ComplaintState:
    received = c.ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit="YN-KM-01",
        business_line="cards",
        flags=("major_liability",),
        received_at=AT,
        customer=c.Customer(name="A", phone="13900000000"),
        summary="s",
        posted_by="YN-KM-01",
    )
    state = apply(ComplaintState(), received, AT)
    if owner is not None:
        assigned = r.ComplaintAssigned(
            owner_unit=owner, handling_level="branch", rule="t", reason="t"
        )
        state = apply(state, assigned, AT)
    return state


async def test_an_unknown_complaint_has_a_fresh_state(backend):
    async with backend.transaction() as tx:
        assert await tx.complaint_states.load_for_update("C-none") == ComplaintState()


async def test_a_saved_state_loads_back_equal_and_saving_again_replaces_it(backend):
    first, second = registered(), registered(owner="YN-KM")
    assert first != second
    async with backend.transaction() as tx:
        await tx.complaint_states.save("C-1", first)
    async with backend.transaction() as tx:
        assert await tx.complaint_states.load_for_update("C-1") == first
        await tx.complaint_states.save("C-1", second)
    async with backend.transaction() as tx:
        assert await tx.complaint_states.load_for_update("C-1") == second
        assert await tx.complaint_states.load_for_update("C-2") == ComplaintState()


async def test_many_states_load_at_once_without_the_unknown(backend):
    first, second = registered(), registered(owner="YN-KM")
    async with backend.transaction() as tx:
        await tx.complaint_states.save("C-1", first)
        await tx.complaint_states.save("C-2", second)
    async with backend.transaction() as tx:
        assert await tx.complaint_states.load_many(["C-1", "C-2", "C-none"]) == {
            "C-1": first,
            "C-2": second,
        }
        assert await tx.complaint_states.load_many([]) == {}
