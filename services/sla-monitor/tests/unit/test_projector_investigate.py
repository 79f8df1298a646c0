"""The `investigate` clock and handler attribution through `ClockProjector` and `BreachTicker`
on the in-memory fakes, and a rebuild from the log agreeing with the live run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, to_kafka
from complaints_shared.contracts.registry import parse
from complaints_shared.organisation import load_organisation
from sla_monitor import replay
from sla_monitor.config import SlaSettings
from sla_monitor.service_layer import recompute
from sla_monitor.service_layer.handlers import ClockProjector, unit_calendars
from sla_monitor.service_layer.ticker import BreachTicker
from sla_monitor.testing.fakes import NO_SESSION, FakeDatabase, FakeOutbox, fake_stores

ORG = load_organisation(Path(__file__).parents[4] / "deploy/demo/organisation.yaml")
CALENDARS = unit_calendars(ORG)
POLICY = SlaSettings().policy()
AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Kunming
CID = "C-1"
A = c.HandlerRef(id="u-a", name="Alice")
B = c.HandlerRef(id="u-b", name="Bo")
RECEIVED = c.ComplaintReceived(
    kind="complaint",
    channel="on_site",
    receiving_unit="YN-KM-01",
    business_line="logistics",
    flags=(),
    received_at=AT,
    customer=c.Customer(name="A", phone="13900000000"),
    summary="s",
    posted_by="YN-KM-01",
)
ASSIGNED = r.ComplaintAssigned(owner_unit="YN-KM-01", handling_level="branch", rule="t", reason="t")


def hours(n: float) -> datetime:
    return AT + timedelta(hours=n)


def accepted(at: float, handler: c.HandlerRef | None = A) -> c.ComplaintAccepted:
    return c.ComplaintAccepted(unit="YN-KM-01", at=hours(at), posted_by="x", handler=handler)


def handler_changed(at: float, handler: c.HandlerRef = B) -> c.HandlerChanged:
    return c.HandlerChanged(unit="YN-KM-01", at=hours(at), posted_by="x", handler=handler)


class Live:
    """The projector and the ticker on one set of fakes, as a running instance: every event it
    appends is read back from the log (the consumer folds its own clock starts and stops), and
    `log` keeps the log in the order things were appended."""

    def __init__(self) -> None:
        self.db, self.outbox = FakeDatabase(), FakeOutbox()
        stores = fake_stores(self.db, self.outbox)
        self.projector = ClockProjector(ORG, POLICY, asyncio.Event(), stores)
        self.registry = self.projector.registry()
        self.ticker = BreachTicker(
            stores, POLICY, CALENDARS, lambda: frozenset({0}), asyncio.Event()
        )
        self.log: list[Envelope] = []
        self._seen = 0
        self._ids = 0

    async def post(self, data: Event, at: datetime) -> Envelope:
        self._ids += 1
        item = Envelope(
            f"e{self._ids}", "/t", data.type_name(), CID, at, data.model_dump(mode="json")
        )
        await self.consume(item)
        await self.read_back()
        return item

    async def tick(self, now: datetime) -> None:
        await self.ticker.fire_due(now)
        await self.read_back()

    async def consume(self, item: Envelope) -> None:
        self.log.append(item)
        event = parse(item)
        assert event is not None
        handler = self.registry.get(type(event))
        if handler is not None:
            await handler(NO_SESSION, item, event)

    async def read_back(self) -> None:
        while self._seen < len(self.outbox.envelopes):
            item = self.outbox.envelopes[self._seen]
            self._seen += 1
            await self.consume(item)

    def emitted(self, type_: str, clock: str) -> list[Envelope]:
        return [
            e
            for e in self.outbox.envelopes
            if e.type == f"sla.{type_}.v1" and e.data["clock"] == clock
        ]


async def test_a_logistics_complaint_is_investigated_until_a_plan_which_commits_its_date():
    live = Live()
    await live.post(RECEIVED, AT)
    await live.post(ASSIGNED, AT)
    assert live.db.clocks[(CID, "investigate")]["due_at"] == hours(24)
    assert live.db.clocks[(CID, "investigate")]["calendar"] == "24x7"
    plan = c.PlanDecided(
        unit="YN-KM-01",
        at=hours(2),
        posted_by="x",
        plan="replace the parcel",
        promised_by=hours(72),
    )
    posted = await live.post(plan, hours(2))
    (stopped,) = live.emitted("clock_stopped", "investigate")
    assert (stopped.data["outcome"], stopped.data["late"], stopped.causation_id) == (
        "met",
        False,
        posted.id,
    )
    assert stopped.data["margin_seconds"] == 22 * 3600
    (committed,) = live.emitted("clock_started", "committed")
    assert datetime.fromisoformat(committed.data["due_at"]) == hours(72)
    assert live.db.clocks[(CID, "investigate")]["status"] == "met"
    assert live.db.clocks[(CID, "committed")]["status"] == "running"


async def test_another_line_gets_no_investigate_clock():
    live = Live()
    await live.post(RECEIVED.model_copy(update={"business_line": "cards"}), AT)
    await live.post(ASSIGNED, AT)
    assert (CID, "investigate") not in live.db.clocks
    assert live.emitted("clock_started", "investigate") == []


async def test_a_breach_stays_with_the_handler_who_held_it_and_a_later_warning_names_the_next():
    live = Live()
    await live.post(RECEIVED, AT)
    await live.post(ASSIGNED, AT)
    await live.post(accepted(0.5), hours(0.5))
    # Nobody held it before the sign-for: the clocks it meets name nobody.
    assert {
        e.data["handler"] for e in live.outbox.envelopes if e.type == "sla.clock_stopped.v1"
    } == {None}
    await live.tick(hours(24))
    (breach,) = live.emitted("breached", "investigate")
    assert breach.data["handler"] == {"id": "u-a", "name": "Alice"}
    assert live.db.breaches[(CID, "investigate", 1)]["handler_id"] == "u-a"

    await live.post(handler_changed(25), hours(25))
    await live.tick(hours(4 * 24))
    (customer,) = [w for w in live.emitted("warning", "customer") if w.data["point"] == "75%"]
    assert customer.time > hours(25)
    assert customer.data["handler"] == {"id": "u-b", "name": "Bo"}
    # The breach under A is still A's: in the log and among the breaches.
    assert live.emitted("breached", "investigate")[0].data["handler"]["id"] == "u-a"
    row = live.db.breaches[(CID, "investigate", 1)]
    assert (row["handler_id"], row["handler_name"]) == ("u-a", "Alice")
    plan = c.PlanDecided(unit="YN-KM-01", at=hours(96), posted_by="x", plan="p")
    await live.post(plan, hours(96))
    (late,) = live.emitted("clock_stopped", "investigate")
    assert late.data["late"] and late.data["handler"] == {"id": "u-b", "name": "Bo"}


async def test_a_hand_off_before_the_ticker_fired_leaves_the_breach_with_the_previous_handler():
    """The event after the due time fires the breach first: attributed to whoever held the
    complaint before that event, not to nobody (a hand-off clears the handler)."""
    live = Live()
    await live.post(RECEIVED, AT)
    await live.post(ASSIGNED, AT)
    await live.post(accepted(0.5), hours(0.5))
    handoff = r.ComplaintAssigned(
        owner_unit="YN-KM-02",
        handling_level="branch",
        rule="t",
        reason="t",
        previous_owner="YN-KM-01",
    )
    await live.post(handoff, hours(25))
    (breach,) = live.emitted("breached", "investigate")
    assert breach.data["handler"]["id"] == "u-a"
    cancelled, started = (
        live.emitted("clock_stopped", "investigate"),
        live.emitted("clock_started", "investigate"),
    )
    assert [(e.data["outcome"], e.data["handler"]["id"]) for e in cancelled] == [
        ("cancelled", "u-a")
    ]
    assert [(e.data["owner_unit"], e.data["due_at"]) for e in started][-1] == (
        "YN-KM-02",
        "2026-11-18T02:00:00Z",  # a fresh 24 h from the hand-off (AT + 25 h)
    )
    await live.tick(hours(60))
    (new_breach,) = [
        e for e in live.emitted("breached", "investigate") if e.data["owner_unit"] == "YN-KM-02"
    ]
    assert new_breach.data["handler"] is None  # the new owner has not signed for it


def feed(monkeypatch: pytest.MonkeyPatch, log: list[Envelope]) -> None:
    async def read_log(bootstrap, topic, on_total=None):
        for item in log:
            key, value, headers = to_kafka(item)
            yield SimpleNamespace(key=key, value=value, headers=headers, partition=0)

    monkeypatch.setattr(recompute, "read_log", read_log)


async def rebuilt_store(rebuilt: recompute.Rebuilt) -> tuple[FakeDatabase, FakeOutbox]:
    db, outbox = FakeDatabase(), FakeOutbox()
    await recompute.write_projection(fake_stores(db, outbox), rebuilt, CALENDARS, announce=False)
    return db, outbox


ATTRIBUTED = ("sla.warning.v1", "sla.breached.v1", "sla.clock_stopped.v1")


async def test_a_rebuild_agrees_with_the_live_run_on_clocks_breaches_and_attribution(
    monkeypatch, capsys
):
    live = Live()
    await live.post(RECEIVED, AT)
    await live.post(ASSIGNED, AT)
    await live.post(accepted(0.5), hours(0.5))
    await live.tick(hours(24))
    await live.post(handler_changed(25), hours(25))
    await live.tick(hours(30))
    plan = c.PlanDecided(
        unit="YN-KM-01", at=hours(30), posted_by="x", plan="p", promised_by=hours(80)
    )
    await live.post(plan, hours(30))
    now = hours(30)

    feed(monkeypatch, live.log)
    rebuilt = await recompute.fold_log("unused", POLICY, CALENDARS, now, org=ORG)
    assert await replay._compare(fake_stores(live.db), rebuilt, CALENDARS) == 0
    assert "0 differ" in capsys.readouterr().out
    db, outbox = await rebuilt_store(rebuilt)
    assert db.breaches == live.db.breaches
    assert {(CID, "investigate", 1), (CID, "resolve", 1)} <= set(db.breaches)
    ours = {e.id: e.data for e in live.outbox.envelopes if e.type in ATTRIBUTED}
    again = {e.id: e.data for e in outbox.envelopes if e.type in ATTRIBUTED}
    assert again == ours


async def test_a_rebuild_attributes_a_breach_as_the_logged_event_does(monkeypatch):
    """The ticker fired the breach while A held the complaint, but the relay published it after
    the change to B: the rebuilt row still names A, as the event in the log does."""
    live = Live()
    await live.post(RECEIVED, AT)
    await live.post(ASSIGNED, AT)
    await live.post(accepted(0.5), hours(0.5))
    before = len(live.log)
    await live.tick(hours(24))
    fired = live.log[before:]
    del live.log[before:]
    await live.post(handler_changed(24.01), hours(24.01))
    live.log.extend(fired)  # published late, after the change

    feed(monkeypatch, live.log)
    rebuilt = await recompute.fold_log("unused", POLICY, CALENDARS, hours(24.02), org=ORG)
    db, _ = await rebuilt_store(rebuilt)
    assert db.breaches[(CID, "investigate", 1)]["handler_id"] == "u-a"
    assert db.breaches == live.db.breaches
