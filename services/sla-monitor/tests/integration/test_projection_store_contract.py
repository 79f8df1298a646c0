"""`ProjectionStore`: the same cases on the fake and on PostgreSQL (see conftest `backend`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from complaints_shared.organisation import load_organisation
from complaints_shared.workflow.lifecycle import ComplaintState
from sla_monitor.config import SlaSettings
from sla_monitor.domain import clocks as k
from sla_monitor.service_layer.handlers import unit_calendars

POLICY = SlaSettings().policy()
DEMO_ORG = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"
CALENDARS = unit_calendars(load_organisation(DEMO_ORG))
AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)


def assigned(unit: str = "YN-KM-01") -> k.ComplaintClocks:
    inputs = [k.Arrival("complaint", unit, AT), k.Assignment(unit, "branch", AT)]
    return k.fold(inputs, POLICY, CALENDARS)[0]


async def test_the_fingerprint_is_none_until_set_then_replaced(backend):
    async with backend.transaction() as tx:
        assert await tx.projection.fingerprint() is None
        await tx.projection.set_fingerprint("one")
    async with backend.transaction() as tx:
        assert await tx.projection.fingerprint() == "one"
        await tx.projection.set_fingerprint("two")
    async with backend.transaction() as tx:
        assert await tx.projection.fingerprint() == "two"


async def test_what_it_has_and_clearing_it_all_but_the_fingerprint(backend):
    async with backend.transaction() as tx:
        assert not await tx.projection.has_clocks()
        assert not await tx.projection.has_complaint_states()
        await tx.clocks.save("C-1", 0, assigned(), [], CALENDARS)
        await tx.complaint_states.save("C-1", ComplaintState())
        await tx.projection.set_fingerprint("f")
    async with backend.transaction() as tx:
        assert await tx.projection.has_clocks()
        assert await tx.projection.has_complaint_states()
        await tx.projection.clear()
    async with backend.transaction() as tx:
        assert not await tx.projection.has_clocks()
        assert not await tx.projection.has_complaint_states()
        assert await tx.projection.all_clock_rows() == {}
        assert await tx.projection.fingerprint() == "f"
    assert await backend.reads.breaches({"YN-KM-01"}, None, None) == []


async def test_running_due_times_and_all_clock_rows(backend):
    state = assigned()
    stopped, _ = k.decide(
        state, k.Acceptance("YN-KM-01", AT + timedelta(minutes=1)), POLICY, CALENDARS
    )
    async with backend.transaction() as tx:
        await tx.clocks.save("C-1", 0, stopped, [], CALENDARS)  # transfer and start met
    async with backend.transaction() as tx:
        due = await tx.projection.running_due_times()
        rows = await tx.projection.all_clock_rows()
    assert due == {
        ("C-1", name, 1): clock.due_at
        for name, clock in stopped.clocks.items()
        if clock.status == "running"
    }
    assert set(due) == {("C-1", "resolve", 1), ("C-1", "customer", 1)}
    assert set(rows) == {("C-1", name) for name in stopped.clocks}
    assert rows[("C-1", "start")]["status"] == "met"
    assert rows[("C-1", "resolve")]["due_at"] == stopped.clocks["resolve"].due_at


async def test_many_complaint_states_at_once_insert_or_replace(backend):
    states = {f"C-{n}": ComplaintState() for n in range(1001)}  # more than one batch
    async with backend.transaction() as tx:
        await tx.complaint_states.save("C-7", ComplaintState(restricted=True))
        await tx.projection.save_complaint_states(states)
    async with backend.transaction() as tx:
        assert await tx.complaint_states.load_for_update("C-7") == ComplaintState()
        assert await tx.complaint_states.load_for_update("C-1000") == ComplaintState()


async def test_marking_events_applied_twice_is_no_error(backend):
    async with backend.transaction() as tx:
        await tx.projection.mark_applied(["e1", "e2"])
    async with backend.transaction() as tx:
        await tx.projection.mark_applied(["e2", "e3"])
        await tx.projection.mark_applied([])
    assert await backend.applied() == {"e1", "e2", "e3"}
