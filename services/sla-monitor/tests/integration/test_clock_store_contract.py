"""`ClockStore`: the same cases on the fake and on PostgreSQL (see conftest `backend`)."""

from __future__ import annotations

from dataclasses import replace
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
AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Kunming


def assigned(at: datetime = AT, unit: str = "YN-KM-01") -> k.ComplaintClocks:
    state, _ = k.fold(
        [k.Arrival("complaint", unit, at), k.Assignment(unit, "branch", at)], POLICY, CALENDARS
    )
    return state


def fired(state: k.ComplaintClocks, now: datetime) -> tuple[k.ComplaintClocks, list[k.ClockEffect]]:
    return k.decide(state, k.TimerTick(now), POLICY, CALENDARS)


async def test_an_unknown_complaint_has_no_clocks_yet(backend):
    async with backend.transaction() as tx:
        assert await tx.clocks.load("C-none") == k.ComplaintClocks()


async def test_a_saved_state_loads_back_equal(backend):
    state = assigned()
    async with backend.transaction() as tx:
        await tx.clocks.save("C-1", 3, state, [], CALENDARS)
    async with backend.transaction() as tx:
        assert await tx.clocks.load("C-1") == state


async def test_saving_again_replaces_the_state_and_its_rows(backend):
    async with backend.transaction() as tx:
        await tx.clocks.save("C-1", 0, assigned(), [], CALENDARS)
    resolved, _ = k.decide(assigned(), k.Resolution(AT + timedelta(minutes=5)), POLICY, CALENDARS)
    async with backend.transaction() as tx:
        await tx.clocks.save("C-1", 0, resolved, [], CALENDARS)
    async with backend.transaction() as tx:
        assert await tx.clocks.load("C-1") == resolved
        assert await tx.clocks.next_timer([0]) is None  # nothing runs: no timer
        rows = await tx.projection.all_clock_rows()
    assert {row["status"] for row in rows.values()} == {"met"}
    assert set(rows) == {("C-1", name) for name in ("transfer", "start", "resolve", "customer")}


async def test_breaches_are_recorded_once_and_kept(backend):
    state, effects = fired(assigned(), AT + timedelta(hours=3))
    breaches = [e for e in effects if isinstance(e, k.ClockBreach)]
    assert {e.clock for e in breaches} == {"transfer", "start"}
    async with backend.transaction() as tx:
        await tx.clocks.save("C-1", 0, state, effects, CALENDARS)
        await tx.clocks.save("C-1", 0, state, effects, CALENDARS)  # the same breaches again
        await tx.complaint_states.save("C-1", ComplaintState())  # the API shows known ones
    async with backend.transaction() as tx:
        await tx.clocks.save("C-1", 0, k.ComplaintClocks(), [], CALENDARS)  # clocks go...
        assert await tx.projection.all_clock_rows() == {}
    rows = await backend.reads.breaches({"YN-KM-01"}, None, None)  # ...breaches stay
    assert [(row.values["clock"], row.values["run"]) for row in rows] == [
        ("transfer", 1),  # due 10:00
        ("start", 1),  # due 11:00
    ]
    assert [row.values["due_at"] for row in rows] == [b.due_at for b in breaches]
    assert [(row.values["handler_id"], row.values["handler_name"]) for row in rows] == [
        (None, None),
        (None, None),
    ]


async def test_a_breach_keeps_the_handler_it_was_attributed_to(backend):
    state = assigned()
    state, effects = k.decide(
        state,
        k.TimerTick(AT + timedelta(hours=3)),
        POLICY,
        CALENDARS,
        handler=k.Handler("u-a", "A"),
    )
    async with backend.transaction() as tx:
        await tx.clocks.save("C-1", 0, state, effects, CALENDARS)
        await tx.complaint_states.save("C-1", ComplaintState())
    # Fired again under another handler (a rebuild, a redelivery): the first attribution stays.
    again = [replace(e, handler=k.Handler("u-b", "B")) for e in effects]
    async with backend.transaction() as tx:
        await tx.clocks.save("C-1", 0, state, again, CALENDARS)
    rows = await backend.reads.breaches({"YN-KM-01"}, None, None)
    assert [(row.values["handler_id"], row.values["handler_name"]) for row in rows] == [
        ("u-a", "A"),
        ("u-a", "A"),
    ]


async def test_claim_due_takes_the_owned_partitions_earliest_first_up_to_the_limit(backend):
    async with backend.transaction() as tx:
        for cid, partition, hours_ago in [
            ("C-a", 0, 1),
            ("C-b", 1, 3),
            ("C-c", 1, 2),
            ("C-d", 2, 3),
        ]:
            await tx.clocks.save(
                cid, partition, assigned(AT - timedelta(hours=hours_ago)), [], CALENDARS
            )
        await tx.clocks.save("C-late", 1, assigned(AT + timedelta(hours=1)), [], CALENDARS)
    async with backend.transaction() as tx:
        due = await tx.clocks.claim_due([1], AT, limit=10)
        assert [d.complaint_id for d in due] == ["C-b", "C-c"]  # not C-late: not due yet
        assert {d.partition for d in due} == {1}
        assert due[0].state == assigned(AT - timedelta(hours=3))
        assert [d.complaint_id for d in await tx.clocks.claim_due([0, 1, 2], AT, limit=2)] in (
            ["C-b", "C-d"],
            ["C-d", "C-b"],
        )
        assert await tx.clocks.claim_due([5], AT, limit=10) == []


async def test_next_timer_is_the_earliest_of_the_owned_partitions(backend):
    early, late = assigned(AT - timedelta(hours=1)), assigned(AT)
    async with backend.transaction() as tx:
        assert await tx.clocks.next_timer([0]) is None
        await tx.clocks.save("C-early", 0, early, [], CALENDARS)
        await tx.clocks.save("C-late", 1, late, [], CALENDARS)
    async with backend.transaction() as tx:
        assert await tx.clocks.next_timer([1]) == k.next_timer(late)
        assert await tx.clocks.next_timer([0, 1]) == k.next_timer(early)
        assert await tx.clocks.next_timer([7]) is None


async def test_an_extended_clock_and_a_pending_request_load_back_with_their_rows(backend):
    until = AT + timedelta(days=2, hours=3)  # Wednesday 12:00 in Kunming
    state, effects = k.fold(
        [
            k.ExtensionRequest("x1", "YN-KM-01", until, AT + timedelta(hours=1)),
            k.ExtensionDecision("x1", True, AT + timedelta(hours=2)),
            k.ExtensionRequest("x2", "YN-KM-01", until, AT + timedelta(hours=2)),
        ],
        POLICY,
        CALENDARS,
        assigned(),
    )
    async with backend.transaction() as tx:
        await tx.clocks.save("C-1", 0, state, effects, CALENDARS)
    async with backend.transaction() as tx:
        assert await tx.clocks.load("C-1") == state
        rows = await tx.projection.all_clock_rows()
    resolve, start = rows[("C-1", "resolve")], rows[("C-1", "start")]
    assert (resolve["due_at"], resolve["extensions"]) == (until, 1)
    assert resolve["original_due_at"] == AT + timedelta(hours=8, minutes=30)  # Monday 17:30
    assert (start["original_due_at"], start["extensions"]) == (None, 0)
