"""The read model's contract (`ViewStore` written by the projection, `ComplaintReads` read by
the queries), run against the fakes and against PostgreSQL: view rows with their defaults,
clocks, the next due time, timeline entries, and a complaint not yet back from the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from complaints_shared.workflow.lifecycle import ComplaintState, to_json
from intake.adapters.reads import ENTRY_COLUMNS
from intake.adapters.tables import clock_views, complaint_views
from intake.testing.fakes import INFINITY

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
KUNMING = timezone(timedelta(hours=8))
STATE = ComplaintState(registered=True, receiving_unit="YN-KM-01", involved=("YN-KM-01",))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def write(stores, complaint_id: str = "c1", **values) -> None:
    async with stores.views() as views:
        await views.upsert_view(complaint_id, {"status": "received", **values})


async def clock(stores, name: str, complaint_id: str = "c1", **values) -> None:
    async with stores.views() as views:
        await views.upsert_clock(complaint_id, name, values)
        await views.refresh_next_due(complaint_id)


async def test_a_new_view_has_every_column_with_its_default(stores):
    await write(stores, receiving_unit="YN-KM-01", received_at=T0)
    view = await stores.reads.complaint("c1")
    assert set(view) == {column.name for column in complaint_views.columns} | {"clocks"}
    assert (view["complaint_id"], view["status"], view["received_at"]) == ("c1", "received", T0)
    assert (view["flags"], view["units_involved"], view["provinces"]) == ([], [], [])
    assert view["restricted"] is False and view["state"] is None and view["clocks"] == []
    assert (view["next_due"], view["next_due_at"], view["due_order"]) == (None, None, INFINITY)
    assert view["updated_at"] is not None


async def test_an_upsert_changes_only_the_columns_it_names(stores):
    await write(stores, receiving_unit="YN-KM-01", received_at=T0, units_involved=["YN-KM-01"])
    await write(stores, status="assigned", owner_unit="YN-KM", handler={"id": "e7", "name": "李"})
    view = await stores.reads.complaint("c1")
    assert (view["status"], view["owner_unit"], view["receiving_unit"]) == (
        "assigned",
        "YN-KM",
        "YN-KM-01",
    )
    assert view["units_involved"] == ["YN-KM-01"] and view["handler"]["name"] == "李"


async def test_the_locked_state_is_the_folded_one(stores):
    async with stores.views() as views:
        assert await views.lock_state("c1") is None
    await write(stores)
    async with stores.views() as views:
        assert await views.lock_state("c1") == ComplaintState()
    await write(stores, state=to_json(STATE))
    async with stores.views() as views:
        assert await views.lock_state("c1") == STATE


async def test_clocks_start_running_and_read_back_by_start(stores):
    await write(stores, received_at=T0)
    await clock(stores, "resolve", started_at=at(5), due_at=at(600), owner_unit="YN-KM")
    await clock(stores, "start", started_at=at(1), due_at=at(60), owner_unit="YN-KM")
    await clock(stores, "resolve", state="breached")
    clocks = (await stores.reads.complaint("c1"))["clocks"]
    assert [(c["clock"], c["state"]) for c in clocks] == [
        ("start", "running"),
        ("resolve", "breached"),
    ]
    assert set(clocks[0]) == {column.name for column in clock_views.columns}
    assert clocks[1]["due_at"] == at(600) and clocks[1]["owner_unit"] == "YN-KM"
    assert clocks[0]["late"] is False and clocks[0]["complaint_id"] == "c1"


async def test_the_next_due_is_the_earliest_running_or_breached_clock(stores):
    await write(stores, received_at=T0)
    await clock(stores, "resolve", due_at=at(600).astimezone(KUNMING), owner_unit="YN-KM")
    await clock(stores, "start", due_at=at(60), owner_unit="YN-KM-01")
    view = await stores.reads.complaint("c1")
    assert view["next_due_at"] == at(60) == view["due_order"]
    assert view["next_due"] == {
        "clock": "start",
        "due_at": at(60).isoformat(),
        "state": "running",
        "owner_unit": "YN-KM-01",
    }
    await clock(stores, "start", state="paused", due_at=at(30))
    await clock(stores, "customer", state="breached", due_at=at(600), owner_unit="YN-KM")
    view = await stores.reads.complaint("c1")
    assert view["next_due"]["clock"] == "customer"  # a tie goes to the clock named first
    assert view["next_due"]["due_at"] == at(600).isoformat()  # kept in UTC
    await clock(stores, "resolve", state="met")
    await clock(stores, "customer", state="cancelled")
    await clock(stores, "investigate", owner_unit="YN-KM")  # running, no due time
    view = await stores.reads.complaint("c1")
    assert (view["next_due"], view["next_due_at"], view["due_order"]) == (None, None, INFINITY)


async def test_the_timeline_is_one_complaints_entries_in_log_order(stores):
    async with stores.views() as views:
        for index, complaint_id in enumerate(["c1", "c2", "c1", "c1"]):
            await views.add_timeline_entry(
                complaint_id=complaint_id,
                event_id=f"e{index}",
                type="complaint.note",
                time=at(index),
                source="/intake",
                data={"text": str(index)},
            )
    entries = await stores.reads.timeline("c1")
    assert [entry["event_id"] for entry in entries] == ["e0", "e2", "e3"]
    assert entries[0]["position"] < entries[1]["position"] < entries[2]["position"]
    assert set(entries[0]) == set(ENTRY_COLUMNS)  # not the snapshot
    assert entries[0]["recorded_at"] is not None
    assert entries[1]["time"] == at(2) and entries[1]["data"] == {"text": "2"}
    assert await stores.reads.timeline("c9") == []


async def test_a_complaint_not_yet_back_from_the_log_reads_as_its_registration(stores):
    assert await stores.reads.complaint("c1") is None
    async with stores.transactions() as registry:
        await registry.register(
            complaint_id="c1",
            receiving_unit="YN-KM-01",
            posted_by="YN-KM-01",
            received_event_id="e0",
            state=STATE,
        )
    registration = {
        "complaint_id": "c1",
        "receiving_unit": "YN-KM-01",
        "state": to_json(STATE),
        "clocks": [],
        "registered_only": True,
    }
    assert await stores.reads.complaint("c1") == registration
    await write(stores, status="assigned", owner_unit="YN-KM")  # routing's event came first
    assert await stores.reads.complaint("c1") == registration
    await write(stores, received_at=T0)
    assert (await stores.reads.complaint("c1"))["owner_unit"] == "YN-KM"


async def entry(stores, event_id: str, recorded: float, complaint_id: str = "c1", **values) -> None:
    """A timeline entry recorded at `recorded` minutes, with the view as it is then."""
    async with stores.views() as views:
        snapshot = await views.snapshot(complaint_id)
        await views.add_timeline_entry(
            complaint_id=complaint_id,
            event_id=event_id,
            type="complaint.note",
            time=at(0),
            source="/intake",
            data={},
            recorded_at=at(recorded),
            **({"view_after": snapshot} | values),
        )


async def register(stores, complaint_id: str = "c1") -> None:
    async with stores.transactions() as registry:
        await registry.register(
            complaint_id=complaint_id,
            receiving_unit="YN-KM-01",
            posted_by="YN-KM-01",
            received_event_id="e0",
            state=STATE,
        )


async def test_a_snapshot_is_the_view_and_its_clocks_as_json(stores):
    async with stores.views() as views:
        assert await views.snapshot("c1") is None
    await write(stores, receiving_unit="YN-KM-01", received_at=T0, state=to_json(STATE))
    await clock(stores, "resolve", started_at=at(5), due_at=at(600), owner_unit="YN-KM")
    await clock(stores, "start", started_at=at(1), due_at=at(60), owner_unit="YN-KM")
    async with stores.views() as views:
        snapshot = await views.snapshot("c1")
    assert snapshot is not None and set(snapshot) == {"view", "clocks"}
    assert set(snapshot["view"]) == {column.name for column in complaint_views.columns} - {
        "due_order"
    }
    assert [c["clock"] for c in snapshot["clocks"]] == ["start", "resolve"]
    assert datetime.fromisoformat(snapshot["view"]["received_at"]) == T0
    assert datetime.fromisoformat(snapshot["clocks"][1]["due_at"]) == at(600)
    assert snapshot["view"]["state"] == to_json(STATE)


async def test_as_of_reads_the_view_kept_with_the_last_entry_recorded_by_then(stores):
    await register(stores)  # registered now: after every moment below
    await write(stores, receiving_unit="YN-KM-01", received_at=T0, units_involved=["YN-KM-01"])
    await clock(stores, "resolve", started_at=at(1), due_at=at(600), owner_unit="YN-KM-01")
    await entry(stores, "e1", recorded=10)
    await write(stores, status="assigned", owner_unit="YN-KM", units_involved=["YN-KM-01", "YN-KM"])
    await clock(stores, "resolve", due_at=at(900))
    await entry(stores, "e2", recorded=20)
    await entry(stores, "other", recorded=5, complaint_id="c2")

    assert await stores.reads.complaint_as_of("c1", at(9)) is None  # not recorded yet
    first = await stores.reads.complaint_as_of("c1", at(10))
    assert (first["status"], first["owner_unit"], first["received_at"]) == ("received", None, T0)
    assert [(c["clock"], c["due_at"]) for c in first["clocks"]] == [("resolve", at(600))]
    assert first["clocks"][0]["started_at"] == at(1)
    later = await stores.reads.complaint_as_of("c1", at(30))
    assert (later["status"], later["owner_unit"]) == ("assigned", "YN-KM")
    assert later["units_involved"] == ["YN-KM-01", "YN-KM"] and later["next_due_at"] == at(900)
    assert set(later) == {c.name for c in complaint_views.columns} - {"due_order"} | {"clocks"}

    assert [e["event_id"] for e in await stores.reads.timeline("c1", recorded_by=at(15))] == ["e1"]
    assert [e["event_id"] for e in await stores.reads.timeline("c1", recorded_by=at(9))] == []
    recorded = await stores.reads.timeline("c1")
    assert [e["recorded_at"] for e in recorded] == [at(10), at(20)]


async def test_as_of_before_the_view_came_back_reads_the_registration(stores):
    assert await stores.reads.complaint_as_of("c1", at(10**7)) is None
    await register(stores)
    registration = {
        "complaint_id": "c1",
        "receiving_unit": "YN-KM-01",
        "state": None,
        "clocks": [],
        "registered_only": True,
    }
    assert await stores.reads.complaint_as_of("c1", at(10**7)) == registration  # no entry yet
    await write(stores, status="assigned", owner_unit="YN-KM")  # routing's event came first
    await entry(stores, "e1", recorded=10**6)
    assert await stores.reads.complaint_as_of("c1", at(10**7)) == registration
    assert await stores.reads.complaint_as_of("c1", at(-(10**6))) is None  # before registering


async def test_an_entry_recorded_before_snapshots_were_kept_has_no_history(stores):
    await write(stores, received_at=T0)
    await entry(stores, "e1", recorded=10, view_after=None)
    assert await stores.reads.complaint_as_of("c1", at(10)) == {
        "complaint_id": "c1",
        "history_missing": True,
    }
