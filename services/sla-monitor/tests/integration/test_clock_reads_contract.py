"""`ClockReads`: the same cases on the fake and on PostgreSQL (see conftest `backend`)."""

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
AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Kunming
KM01 = ComplaintState(involved=("YN-KM-01",))


def assigned(unit: str, at: datetime = AT) -> k.ComplaintClocks:
    inputs = [k.Arrival("complaint", unit, at), k.Assignment(unit, "branch", at)]
    return k.fold(inputs, POLICY, CALENDARS)[0]


async def seed(backend, complaints: dict[str, tuple[k.ComplaintClocks, ComplaintState | None]]):
    async with backend.transaction() as tx:
        for cid, (clocks, lifecycle) in complaints.items():
            state, effects = k.decide(clocks, k.TimerTick(AT), POLICY, CALENDARS)
            await tx.clocks.save(cid, 0, state, effects, CALENDARS)
            if lifecycle is not None:
                await tx.complaint_states.save(cid, lifecycle)


async def test_a_complaint_its_state_and_its_clocks_by_name(backend):
    await seed(backend, {"C-1": (assigned("YN-KM-01"), KM01), "C-2": (assigned("YN-KM-01"), None)})
    state, rows = await backend.reads.complaint("C-1")
    assert state == KM01
    assert [row["clock"] for row in rows] == ["customer", "resolve", "start", "transfer"]
    start = next(row for row in rows if row["clock"] == "start")
    assert start["due_at"] == AT + timedelta(hours=2) and start["status"] == "running"
    assert start["owner_unit"] == "YN-KM-01" and start["handling_level"] == "branch"
    assert start["budget_seconds"] == 7200 and start["remaining_seconds"] is None
    assert await backend.reads.complaint("C-2") == (None, [])  # clocks but no state
    assert await backend.reads.complaint("C-none") == (None, [])


async def test_due_running_unbreached_clocks_of_the_owners_by_the_instant(backend):
    await seed(
        backend,
        {
            "C-b": (assigned("YN-KM-01"), KM01),
            "C-a": (assigned("YN-KM-01"), KM01),
            "C-old": (assigned("YN-KM-01", AT - timedelta(hours=1, minutes=30)), KM01),
            "C-other": (assigned("YN-KM-02"), KM01),
            "C-unknown": (assigned("YN-KM-01"), None),
        },
    )
    rows = await backend.reads.due({"YN-KM-01"}, AT + timedelta(hours=2))
    found = [(row.values["complaint_id"], row.values["clock"]) for row in rows]
    # C-old's transfer breached half an hour ago (no longer listed); its start is due first.
    assert found == [
        ("C-old", "start"),
        ("C-a", "transfer"),
        ("C-b", "transfer"),
        ("C-a", "start"),
        ("C-b", "start"),
    ]
    assert all(row.state == KM01 for row in rows)
    assert await backend.reads.due({"YN-KM-01"}, AT) == []
    assert await backend.reads.due(set(), AT + timedelta(days=30)) == []


async def test_breaches_of_the_owners_in_a_half_open_range(backend):
    await seed(
        backend,
        {
            "C-1": (assigned("YN-KM-01", AT - timedelta(hours=3)), KM01),
            "C-2": (assigned("YN-KM-02", AT - timedelta(hours=3)), KM01),
            "C-3": (assigned("YN-KM-01", AT - timedelta(hours=3)), None),
        },
    )
    transfer_due, start_due = AT - timedelta(hours=2), AT - timedelta(hours=1)
    rows = await backend.reads.breaches({"YN-KM-01"}, None, None)
    assert [(r.values["complaint_id"], r.values["clock"], r.values["due_at"]) for r in rows] == [
        ("C-1", "transfer", transfer_due),
        ("C-1", "start", start_due),
    ]
    assert rows[0].state == KM01 and rows[0].values["run"] == 1
    assert rows[0].values["owner_unit"] == "YN-KM-01"
    only_start = await backend.reads.breaches({"YN-KM-01"}, start_due, None)
    assert [r.values["clock"] for r in only_start] == ["start"]
    before_start = await backend.reads.breaches({"YN-KM-01"}, None, start_due)
    assert [r.values["clock"] for r in before_start] == ["transfer"]
    both = await backend.reads.breaches({"YN-KM-01", "YN-KM-02"}, transfer_due, AT)
    assert [(r.values["complaint_id"], r.values["clock"]) for r in both] == [
        ("C-1", "transfer"),
        ("C-2", "transfer"),
        ("C-1", "start"),
        ("C-2", "start"),
    ]
