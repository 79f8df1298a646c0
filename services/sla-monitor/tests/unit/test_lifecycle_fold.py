"""The lifecycle fold: which events it takes, what it makes of them, how it wraps handlers."""

from datetime import UTC, datetime

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import notification_events as n
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.workflow.lifecycle import ComplaintState, from_json
from sla_monitor.service_layer.lifecycle_fold import FOLDED, fold, folds, with_lifecycle_fold
from sla_monitor.service_layer.translate import LISTENS_TO
from sla_monitor.testing.fakes import NO_SESSION, FakeComplaintStates, FakeDatabase

AT = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


def envelope(data) -> Envelope:
    return Envelope(new_id(), "/t", data.type_name(), "C-1", AT, data.model_dump(mode="json"))


def received(*flags: str) -> c.ComplaintReceived:
    return c.ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit="YN-KM-01",
        business_line="cards",
        flags=flags,
        received_at=AT,
        customer=c.Customer(name="A", phone="13900000000"),
        summary="s",
        posted_by="YN-KM-01",
    )


def test_folds_complaint_routing_and_clock_start_stop_only():
    for cls in (c.ComplaintReceived, c.NoteAdded, r.ComplaintAssigned, r.ComplaintReported):
        assert folds(cls)
    for cls in (s.ClockStarted, s.ClockStopped):
        assert folds(cls)
    for cls in (s.SlaWarning, s.SlaBreached, s.ClockPaused, n.NotificationSent):
        assert not folds(cls)
    assert set(LISTENS_TO) <= set(FOLDED)


def test_fold_involves_units_and_marks_restricted():
    state = ComplaintState()
    events = [
        received("major_liability"),
        r.ComplaintAssigned(owner_unit="YN-KM", handling_level="branch", rule="t", reason="t"),
        r.ComplaintReported(to_unit="YN-SUP", by_unit="YN-KM", reason="t"),
        s.ClockStarted(
            clock="start",
            owner_unit="YN-KM",
            started_at=AT,
            due_at=AT,
            budget_seconds=7200,
            calendar="24x7",
        ),
    ]
    for event in events:
        state = fold(state, envelope(event), event)
    assert state.registered and state.restricted
    assert state.involved == ("YN-KM-01", "YN-KM", "YN-SUP")
    assert state.owner_unit == "YN-KM" and state.status == "assigned"
    assert state.running_clocks == ("start",)


async def test_wraps_an_existing_handler_to_fold_after_it():
    """The clock handler reads the lifecycle as it stood before the event (who held the
    complaint up to then, for attribution); the fold follows in the same transaction."""
    db = FakeDatabase()
    calls: list[str] = []

    async def own(session, envelope, event):
        folded = from_json(db.complaint_states["C-1"]) if "C-1" in db.complaint_states else None
        calls.append(f"own {event.NAME}, registered: {bool(folded and folded.registered)}")

    registry = with_lifecycle_fold(
        {c.ComplaintReceived: own, s.SlaWarning: own}, lambda _session: FakeComplaintStates(db)
    )
    assert set(registry) == set(FOLDED) | {s.SlaWarning}
    event = received()
    await registry[c.ComplaintReceived](NO_SESSION, envelope(event), event)
    assert calls == ["own complaint.received, registered: False"]  # not folded yet
    assert from_json(db.complaint_states["C-1"]).registered  # folded after it
    calls.clear()
    note = c.NoteAdded(unit="YN-KM", at=AT, posted_by="YN-KM", text="n")
    before = dict(db.complaint_states)
    await registry[c.NoteAdded](NO_SESSION, envelope(note), note)
    assert calls == []  # the fold alone
    assert db.complaint_states == before  # a note changes no lifecycle: nothing written
    assert registry[s.SlaWarning] is own  # not folded: left alone


async def test_the_fold_keeps_each_complaint_state():
    db = FakeDatabase()
    registry = with_lifecycle_fold({}, lambda _session: FakeComplaintStates(db))
    events = [
        received("major_liability"),
        r.ComplaintAssigned(owner_unit="YN-KM", handling_level="branch", rule="t", reason="t"),
    ]
    for event in events:
        await registry[type(event)](NO_SESSION, envelope(event), event)
    state = from_json(db.complaint_states["C-1"])
    assert state.restricted and state.owner_unit == "YN-KM"
