"""`ClockProjector` on the in-memory fakes: what it stores, what it appends, and the ids."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import Envelope, derived_id
from complaints_shared.contracts.registry import parse
from complaints_shared.organisation import load_organisation
from sla_monitor.config import SlaSettings
from sla_monitor.domain.clocks import from_json
from sla_monitor.service_layer.handlers import ClockProjector
from sla_monitor.testing.fakes import NO_SESSION, FakeDatabase, FakeOutbox, fake_stores

DEMO_ORG = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"
AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Kunming
CID = "C-1"


def envelope(event_id: str, data, at: datetime = AT) -> Envelope:
    return Envelope(
        event_id,
        "/t",
        data.type_name(),
        CID,
        at,
        data.model_dump(mode="json"),
        correlation_id="corr-1",
        trace={"traceparent": "00-abc-def-01"},
    )


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


def projector() -> tuple[ClockProjector, FakeDatabase, FakeOutbox, asyncio.Event]:
    db, outbox, wake = FakeDatabase(), FakeOutbox(), asyncio.Event()
    stores = fake_stores(db, outbox)
    org = load_organisation(DEMO_ORG)
    return ClockProjector(org, SlaSettings().policy(), wake, stores), db, outbox, wake


async def handle(p: ClockProjector, *envelopes: Envelope) -> None:
    """Each envelope through the registry, as the consumer hands it over."""
    registry = p.registry()
    for item in envelopes:
        event = parse(item)
        assert event is not None
        await registry[type(event)](NO_SESSION, item, event)


async def test_an_assignment_starts_the_owners_clocks_and_announces_each():
    p, db, outbox, wake = projector()
    received, assigned = envelope("e1", RECEIVED), envelope("e2", ASSIGNED)
    await handle(p, received, assigned)
    assert set(db.clocks) == {(CID, n) for n in ("customer", "transfer", "start", "resolve")}
    assert db.clocks[(CID, "start")]["due_at"] == AT + timedelta(hours=2)
    assert db.complaint_clocks[CID].next_timer == AT + timedelta(minutes=45)  # 75% of transfer
    assert outbox.types() == ["sla.clock_started.v1"] * 4
    assert wake.is_set()
    # The lifecycle is folded in the same go.
    assert db.complaint_states[CID]["owner_unit"] == "YN-KM-01"


async def test_event_ids_are_derived_from_the_complaint_clock_and_run():
    p, _, outbox, _ = projector()
    received, assigned = envelope("e1", RECEIVED), envelope("e2", ASSIGNED)
    await handle(p, received, assigned)
    started = {e.data["clock"]: e for e in outbox.envelopes}
    start = started["start"]
    assert start.id == derived_id(CID, s.ClockStarted.type_name(), "start|1|started")
    assert (start.causation_id, start.correlation_id) == ("e2", "corr-1")
    assert start.trace == {"traceparent": "00-abc-def-01"}
    assert start.time == AT and start.subject == CID and start.source == "/sla-monitor"
    assert started["customer"].causation_id == "e1"


async def test_a_redelivered_event_changes_nothing_and_emits_nothing_new():
    p, db, outbox, _ = projector()
    await handle(p, envelope("e1", RECEIVED), envelope("e2", ASSIGNED))
    clocks, count = dict(db.clocks), len(outbox.envelopes)
    await handle(p, envelope("e2", ASSIGNED))
    assert db.clocks == clocks and len(outbox.envelopes) == count


async def test_an_event_after_a_due_time_fires_the_breach_first_at_its_instant():
    p, db, outbox, _ = projector()
    await handle(p, envelope("e1", RECEIVED), envelope("e2", ASSIGNED))
    accepted = c.ComplaintAccepted(unit="YN-KM-01", at=AT + timedelta(hours=3), posted_by="x")
    await handle(p, envelope("e3", accepted, AT + timedelta(hours=3)))
    fired = [e for e in outbox.envelopes if e.causation_id == "e3"]
    assert [(e.type.removeprefix("sla."), e.data["clock"], e.time - AT) for e in fired] == [
        ("warning.v1", "transfer", timedelta(minutes=45)),
        ("breached.v1", "transfer", timedelta(hours=1)),
        ("warning.v1", "start", timedelta(hours=1)),  # 1 h before due
        ("warning.v1", "start", timedelta(hours=1, minutes=30)),  # 75%
        ("breached.v1", "start", timedelta(hours=2)),
        ("clock_stopped.v1", "transfer", timedelta(hours=3)),
        ("clock_stopped.v1", "start", timedelta(hours=3)),
    ]
    assert all(e.data["late"] for e in fired if e.type == "sla.clock_stopped.v1")
    assert set(db.breaches) == {(CID, "transfer", 1), (CID, "start", 1)}
    assert db.clocks[(CID, "start")]["status"] == "met"


async def test_an_event_the_clocks_ignore_changes_no_clock():
    p, db, outbox, wake = projector()
    note = c.NoteAdded(unit="YN-KM", at=AT, posted_by="YN-KM", text="n")
    await p.apply(NO_SESSION, envelope("e9", note), note)
    assert db.complaint_clocks == {} and outbox.envelopes == [] and not wake.is_set()


def resolved(hours: float) -> c.Resolved:
    return c.Resolved(unit="YN-KM-01", at=AT + timedelta(hours=hours), posted_by="x", reply="r")


async def test_a_resolved_major_case_starts_the_return_visit_of_the_supervision_line():
    p, db, outbox, _ = projector()
    major = RECEIVED.model_copy(update={"severity": "major"})
    await handle(p, envelope("e1", major), envelope("e2", ASSIGNED))
    await handle(p, envelope("e3", resolved(2), AT + timedelta(hours=2)))
    (started,) = [
        e
        for e in outbox.envelopes
        if e.type == "sla.clock_started.v1" and e.data["clock"] == "return_visit"
    ]
    assert started.data["owner_unit"] == "YN-SUP" and started.data["calendar"] == "YN-SUP"
    assert started.causation_id == "e3"
    assert started.id == derived_id(CID, s.ClockStarted.type_name(), "return_visit|1|started")
    # Monday 11:00 in Kunming + 3 working days of 7 h: Thursday 11:00.
    assert started.data["due_at"] == "2026-11-19T03:00:00Z"
    assert db.clocks[(CID, "return_visit")]["owner_unit"] == "YN-SUP"
    # Read back from the log, it tells the lifecycle a visit is due (intake refuses closing)
    # and involves the line.
    await handle(p, started)
    assert "return_visit" in db.complaint_states[CID]["running_clocks"]
    assert "YN-SUP" in db.complaint_states[CID]["involved"]

    visit = c.ReturnVisitRecorded(
        unit="YN-SUP", at=AT + timedelta(hours=5), posted_by="YN-SUP", satisfaction=4
    )
    await handle(p, envelope("e4", visit, AT + timedelta(hours=5)))
    stopped = outbox.envelopes[-1]
    await handle(p, stopped)
    assert (stopped.type, stopped.data["clock"], stopped.data["outcome"]) == (
        "sla.clock_stopped.v1",
        "return_visit",
        "met",
    )
    # Met Monday 14:00: 14:00-17:30, Tuesday, Wednesday, Thursday 09:00-11:00 to spare.
    assert stopped.data["margin_seconds"] == (3.5 + 7 + 7 + 2) * 3600
    assert stopped.data["due_at"] == "2026-11-19T03:00:00Z"
    assert db.clocks[(CID, "return_visit")]["status"] == "met"
    assert "return_visit" not in db.complaint_states[CID]["running_clocks"]


async def test_a_complaint_received_at_hq_owes_its_visit_to_the_quality_group():
    p, _, outbox, _ = projector()
    at_hq = RECEIVED.model_copy(
        update={
            "receiving_unit": "HQ",
            "customer": c.Customer(name="A", phone="1390", key_customer=True),
        }
    )
    await handle(p, envelope("e1", at_hq), envelope("e3", resolved(1), AT + timedelta(hours=1)))
    (started,) = [e for e in outbox.envelopes if e.data["clock"] == "return_visit"]
    assert started.data["owner_unit"] == "HQ-QSG"


async def test_an_ordinary_complaint_outside_the_sample_gets_no_visit():
    p, db, outbox, _ = projector()
    await handle(p, envelope("e1", RECEIVED), envelope("e2", ASSIGNED))
    await handle(p, envelope("e3", resolved(2), AT + timedelta(hours=2)))
    assert not [e for e in outbox.envelopes if e.data["clock"] == "return_visit"]
    assert (CID, "return_visit") not in db.clocks


def extension_requested(until: datetime, hours: float = 1) -> c.ExtensionRequested:
    return c.ExtensionRequested(
        unit="YN-KM-01", at=AT + timedelta(hours=hours), posted_by="x", until=until, reason="r"
    )


def extension_decided(request_id: str, decision: str, hours: float = 2) -> c.ExtensionDecided:
    return c.ExtensionDecided(
        unit="YN-KM",
        at=AT + timedelta(hours=hours),
        posted_by="YN-KM",
        request_id=request_id,
        decision=decision,
        reason="r",
    )


async def test_an_approved_extension_moves_the_resolve_clock_and_announces_why():
    p, db, outbox, wake = projector()
    await handle(p, envelope("e1", RECEIVED), envelope("e2", ASSIGNED))
    original = db.clocks[(CID, "resolve")]["due_at"]
    assert original == AT + timedelta(hours=8, minutes=30)  # Monday 17:30 in Kunming
    until = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)  # Wednesday 12:00 in Kunming
    asked = envelope("e3", extension_requested(until), AT + timedelta(hours=1))
    await handle(p, asked)
    assert db.clocks[(CID, "resolve")]["due_at"] == original  # asked, not yet decided
    wake.clear()
    await handle(p, envelope("e4", extension_decided("e3", "approved"), AT + timedelta(hours=2)))
    (moved,) = [e for e in outbox.envelopes if e.type == "sla.clock_rescheduled.v1"]
    assert moved.data == {
        "clock": "resolve",
        "owner_unit": "YN-KM-01",
        "due_at": "2026-11-18T04:00:00Z",
        "previous_due_at": "2026-11-16T09:30:00Z",
        "reason": "deadline extension e3 approved",
    }
    assert moved.id == derived_id(CID, s.ClockRescheduled.type_name(), "resolve|1|rescheduled:e3")
    assert (moved.causation_id, moved.time) == ("e4", AT + timedelta(hours=2))
    row = db.clocks[(CID, "resolve")]
    assert (row["due_at"], row["original_due_at"], row["extensions"]) == (until, original, 1)
    assert wake.is_set()  # the ticker's next timer moved
    # The 75% warning now falls at 75% of the extended budget (17 h): Tuesday 16:15.
    resolve = from_json(db.complaint_clocks[CID].state).clock("resolve")
    assert [(t.point, t.at) for t in resolve.pending] == [
        ("75%", datetime(2026, 11, 17, 8, 15, tzinfo=UTC)),
        ("1h", datetime(2026, 11, 18, 3, 0, tzinfo=UTC)),
    ]
    # Redelivered, the decision emits nothing new and moves nothing further.
    count = len(outbox.envelopes)
    await handle(p, envelope("e4", extension_decided("e3", "approved"), AT + timedelta(hours=2)))
    assert len(outbox.envelopes) == count and db.clocks[(CID, "resolve")] == row


async def test_a_refused_extension_or_one_cancelled_by_a_handoff_moves_nothing():
    p, db, outbox, _ = projector()
    until = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
    await handle(p, envelope("e1", RECEIVED), envelope("e2", ASSIGNED))
    await handle(p, envelope("e3", extension_requested(until), AT + timedelta(hours=1)))
    refused = envelope("e4", extension_decided("e3", "refused"), AT + timedelta(hours=2))
    await handle(p, refused)
    assert db.clocks[(CID, "resolve")]["extensions"] == 0
    await handle(p, envelope("e5", extension_requested(until, 3), AT + timedelta(hours=3)))
    handoff = r.ComplaintAssigned(
        owner_unit="YN-KM-02",
        handling_level="branch",
        rule="t",
        reason="t",
        previous_owner="YN-KM-01",
    )
    await handle(p, envelope("e6", handoff, AT + timedelta(hours=4)))
    new_due = db.clocks[(CID, "resolve")]["due_at"]
    await handle(p, envelope("e7", extension_decided("e5", "approved", 5), AT + timedelta(hours=5)))
    row = db.clocks[(CID, "resolve")]
    assert (row["owner_unit"], row["due_at"], row["extensions"]) == ("YN-KM-02", new_due, 0)
    assert "sla.clock_rescheduled.v1" not in outbox.types()
