"""Rebuilding the projection on the in-memory fakes: at start-up only when the rules changed
(or the complaint states are missing), announcing every running clock whose due time moved."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts.envelope import Envelope, derived_id, to_kafka
from complaints_shared.contracts.registry import parse
from complaints_shared.organisation import load_organisation
from sla_monitor import replay
from sla_monitor.config import SlaSettings
from sla_monitor.service_layer import recompute
from sla_monitor.service_layer.handlers import ClockProjector, unit_calendars
from sla_monitor.testing.fakes import NO_SESSION, FakeDatabase, FakeOutbox, fake_stores

ORG = load_organisation(Path(__file__).parents[4] / "deploy/demo/organisation.yaml")
CALENDARS = unit_calendars(ORG)
AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Kunming
NOW = AT + timedelta(minutes=10)
RECEIVED = c.ComplaintReceived(
    kind="complaint",
    channel="on_site",
    receiving_unit="YN-KM-01",
    business_line="cards",
    flags=(),
    received_at=AT,
    customer=c.Customer(name="A", phone="13900000000"),
    summary="s",
    posted_by="YN-KM-01",
)
ASSIGNED = r.ComplaintAssigned(owner_unit="YN-KM-01", handling_level="branch", rule="t", reason="t")


def record(event_id: str, data) -> SimpleNamespace:
    envelope = Envelope(event_id, "/t", data.type_name(), "C-1", AT, data.model_dump(mode="json"))
    key, value, headers = to_kafka(envelope)
    return SimpleNamespace(key=key, value=value, headers=headers, partition=4)


@pytest.fixture
def the_log(monkeypatch: pytest.MonkeyPatch) -> list[SimpleNamespace]:
    log = [record("e1", RECEIVED), record("e2", ASSIGNED)]

    async def read_log(bootstrap, topic, on_total=None):
        for item in log:
            yield item

    monkeypatch.setattr(recompute, "read_log", read_log)
    return log


def policy(start_minutes: float = 120):
    return SlaSettings(start_minutes=start_minutes).policy()


async def test_write_projection_replaces_it_and_marks_the_events_applied(the_log):
    db, outbox = FakeDatabase(), FakeOutbox()
    stores = fake_stores(db, outbox)
    rebuilt = await recompute.fold_log("unused", policy(), CALENDARS, NOW)
    await recompute.write_projection(stores, rebuilt, CALENDARS, announce=False)
    gone = {**db.clocks[("C-1", "start")], "complaint_id": "C-gone"}
    db.clocks[("C-gone", "start")] = gone  # from an earlier projection
    assert await recompute.write_projection(stores, rebuilt, CALENDARS, announce=False) == 0
    assert {cid for cid, _ in db.clocks} == {"C-1"}
    assert db.complaint_clocks["C-1"].partition == 4
    assert db.processed == {"e1", "e2"}
    assert db.complaint_states["C-1"]["owner_unit"] == "YN-KM-01"
    assert outbox.types() == ["sla.clock_started.v1"] * 4


async def test_a_changed_budget_reschedules_the_running_clocks_it_moves(the_log):
    db, outbox = FakeDatabase(), FakeOutbox()
    stores = fake_stores(db, outbox)
    first = await recompute.fold_log("unused", policy(), CALENDARS, NOW)
    await recompute.write_projection(stores, first, CALENDARS, announce=False)
    outbox.envelopes.clear()
    longer = await recompute.fold_log("unused", policy(start_minutes=240), CALENDARS, NOW)
    moved = await recompute.write_projection(stores, longer, CALENDARS, announce=True, now=NOW)
    assert moved == 1
    (rescheduled,) = [e for e in outbox.envelopes if e.type == "sla.clock_rescheduled.v1"]
    new_due = AT + timedelta(hours=4)
    assert rescheduled.data["clock"] == "start"
    assert datetime.fromisoformat(rescheduled.data["due_at"]) == new_due
    assert datetime.fromisoformat(rescheduled.data["previous_due_at"]) == AT + timedelta(hours=2)
    assert rescheduled.time == NOW and rescheduled.causation_id is None
    assert rescheduled.id == derived_id("C-1", "sla.clock_rescheduled.v1", f"start|1|{new_due}")
    assert db.clocks[("C-1", "start")]["due_at"] == new_due


async def test_at_start_up_rebuilds_only_when_the_rules_changed(the_log):
    db, outbox = FakeDatabase(), FakeOutbox()
    stores = fake_stores(db, outbox)
    await recompute.recompute_if_policy_changed(stores, "unused", ORG, policy(), CALENDARS)
    assert db.complaint_clocks == {}  # nothing projected yet: nothing to recompute
    assert db.meta["fingerprint"] == recompute.fingerprint(policy(), ORG)
    rebuilt = await recompute.fold_log("unused", policy(), CALENDARS, NOW)
    await recompute.write_projection(stores, rebuilt, CALENDARS, announce=False)
    db.clocks[("C-1", "start")]["owner_unit"] = "marked"
    await recompute.recompute_if_policy_changed(stores, "unused", ORG, policy(), CALENDARS)
    assert db.clocks[("C-1", "start")]["owner_unit"] == "marked"  # the same rules: kept
    await recompute.recompute_if_policy_changed(stores, "unused", ORG, policy(240), CALENDARS)
    assert db.clocks[("C-1", "start")]["owner_unit"] == "YN-KM-01"  # other rules: rebuilt
    assert db.meta["fingerprint"] == recompute.fingerprint(policy(240), ORG)


async def test_at_start_up_rebuilds_missing_complaint_states(the_log):
    db = FakeDatabase()
    stores = fake_stores(db)
    rebuilt = await recompute.fold_log("unused", policy(), CALENDARS, NOW)
    await recompute.write_projection(stores, rebuilt, CALENDARS, announce=False)
    await recompute.recompute_if_policy_changed(stores, "unused", ORG, policy(), CALENDARS)
    db.complaint_states.clear()
    await recompute.recompute_if_policy_changed(stores, "unused", ORG, policy(), CALENDARS)
    assert db.complaint_states["C-1"]["owner_unit"] == "YN-KM-01"


async def test_replay_check_tells_whether_the_live_projection_equals_the_log(the_log, capsys):
    db = FakeDatabase()
    stores = fake_stores(db)
    rebuilt = await recompute.fold_log("unused", policy(), CALENDARS, NOW)
    await recompute.write_projection(stores, rebuilt, CALENDARS, announce=False)
    assert await replay._compare(stores, rebuilt, CALENDARS) == 0
    db.clocks[("C-1", "start")]["due_at"] += timedelta(minutes=1)
    assert await replay._compare(stores, rebuilt, CALENDARS) == 1
    out = capsys.readouterr().out
    assert "clocks: 4 live rows, 4 replayed, 1 differences" in out
    assert "clocks [C-1, start] due_at: live '2026-11-16T03:01:00+00:00'" in out


async def test_a_rebuild_agrees_with_the_live_projection_on_return_visits(monkeypatch, capsys):
    """Live handling and `fold_log` (as `replay --check` runs it) give the same clocks, the
    return visit of the receiving province's supervision line included."""

    def at(hours: float) -> datetime:
        return AT + timedelta(hours=hours)

    major = RECEIVED.model_copy(update={"severity": "major"})
    resolved = c.Resolved(unit="YN-KM-01", at=at(2), posted_by="x", reply="r")
    reopened = c.Reopened(unit="YN-SUP", at=at(3), posted_by="x")
    again = c.Resolved(unit="YN-KM-01", at=at(4), posted_by="x", reply="r")
    times = [AT, AT, at(2), at(3), at(4)]
    envelopes = [
        Envelope(f"e{n}", "/t", data.type_name(), "C-1", time, data.model_dump(mode="json"))
        for n, (data, time) in enumerate(
            zip([major, ASSIGNED, resolved, reopened, again], times, strict=True)
        )
    ]

    async def read_log(bootstrap, topic, on_total=None):
        for item in envelopes:
            key, value, headers = to_kafka(item)
            yield SimpleNamespace(key=key, value=value, headers=headers, partition=4)

    monkeypatch.setattr(recompute, "read_log", read_log)
    db = FakeDatabase()
    live = ClockProjector(ORG, policy(), asyncio.Event(), fake_stores(db))
    registry = live.registry()
    for item in envelopes:
        event = parse(item)
        await registry[type(event)](NO_SESSION, item, event)
    assert db.clocks[("C-1", "return_visit")]["owner_unit"] == "YN-SUP"
    assert db.clocks[("C-1", "return_visit")]["run"] == 2

    rebuilt = await recompute.fold_log("unused", policy(), CALENDARS, at(4), org=ORG)
    assert await replay._compare(fake_stores(db), rebuilt, CALENDARS) == 0
    assert "0 differ" in capsys.readouterr().out
    # Without the organisation nobody owes a visit: the rebuild would disagree.
    blind = await recompute.fold_log("unused", policy(), CALENDARS, at(4))
    assert await replay._compare(fake_stores(db), blind, CALENDARS) == 1


async def test_a_rebuild_agrees_with_the_live_projection_on_an_extension(monkeypatch, capsys):
    """An approved extension folds the same live and from the log: the same due time, original
    due time and count, and the same `sla.clock_rescheduled` (by id), the decision only naming
    the request by its event id. A request cancelled by a hand-off moves nothing either way."""

    def at(hours: float) -> datetime:
        return AT + timedelta(hours=hours)

    until = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)  # Wednesday 12:00 in Kunming

    def asked(hours: float) -> c.ExtensionRequested:
        return c.ExtensionRequested(
            unit="YN-KM-01", at=at(hours), posted_by="x", until=until, reason="r"
        )

    def decided(request_id: str, hours: float) -> c.ExtensionDecided:
        return c.ExtensionDecided(
            unit="YN-KM",
            at=at(hours),
            posted_by="YN-KM",
            request_id=request_id,
            decision="approved",
            reason="r",
        )

    handoff = r.ComplaintAssigned(
        owner_unit="YN-KM-02",
        handling_level="branch",
        rule="t",
        reason="t",
        previous_owner="YN-KM-01",
    )
    accepted = c.ComplaintAccepted(unit="YN-KM-01", at=at(0.5), posted_by="x")
    log = [
        ("C-1", RECEIVED, AT),
        ("C-1", ASSIGNED, AT),
        ("C-1", accepted, at(0.5)),
        ("C-1", asked(1), at(1)),
        ("C-1", decided("e3", 2), at(2)),
        ("C-2", RECEIVED, AT),
        ("C-2", ASSIGNED, AT),
        ("C-2", asked(1), at(1)),
        ("C-2", handoff, at(1.5)),
        ("C-2", decided("e7", 2), at(2)),
    ]
    envelopes = [
        Envelope(f"e{n}", "/t", data.type_name(), cid, time, data.model_dump(mode="json"))
        for n, (cid, data, time) in enumerate(log)
    ]

    async def read_log(bootstrap, topic, on_total=None):
        for item in envelopes:
            key, value, headers = to_kafka(item)
            yield SimpleNamespace(key=key, value=value, headers=headers, partition=4)

    monkeypatch.setattr(recompute, "read_log", read_log)
    db, outbox = FakeDatabase(), FakeOutbox()
    live = ClockProjector(ORG, policy(), asyncio.Event(), fake_stores(db, outbox))
    registry = live.registry()
    for item in envelopes:
        event = parse(item)
        await registry[type(event)](NO_SESSION, item, event)
    extended = db.clocks[("C-1", "resolve")]
    assert (extended["due_at"], extended["extensions"]) == (until, 1)
    assert db.clocks[("C-2", "resolve")]["extensions"] == 0
    live_moves = [e for e in outbox.envelopes if e.type == "sla.clock_rescheduled.v1"]
    assert [e.subject for e in live_moves] == ["C-1"]

    # Rebuilt as of the last event (the live run has had no timer ticks since).
    rebuilt = await recompute.fold_log("unused", policy(), CALENDARS, at(2), org=ORG)
    assert await replay._compare(fake_stores(db), rebuilt, CALENDARS) == 0
    assert "0 differ" in capsys.readouterr().out
    again = FakeOutbox()
    await recompute.write_projection(
        fake_stores(FakeDatabase(), again), rebuilt, CALENDARS, announce=False
    )
    rebuilt_moves = [e for e in again.envelopes if e.type == "sla.clock_rescheduled.v1"]
    assert [(e.id, e.data, e.time) for e in rebuilt_moves] == [
        (e.id, e.data, e.time) for e in live_moves
    ]
