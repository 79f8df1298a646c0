"""The worklist's contract, run against `FakeWorklist` and against the SQL worklist: order by
due_order then id (complaints without a live clock last), statuses, filters, the cursor, and
visibility through `visible_to` agreeing with the shared rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaints_shared.organisation import load_organisation
from complaints_shared.workflow.lifecycle import OPEN
from complaints_shared.workflow.visibility import Involvement, provinces_of, sees, sight_of
from intake.adapters.worklist import Position, WorklistFilter
from intake.testing.fakes import WORKLIST_COLUMNS

ORG = load_organisation(Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml")
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
EVERYTHING = sight_of(ORG, "HQ")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def complaint(
    stores,
    complaint_id: str,
    *,
    due: float | None = None,
    status: str = "assigned",
    receiving: str = "YN-KM-01",
    owner: str | None = "YN-KM-01",
    involved: tuple[str, ...] = (),
    restricted: bool = False,
    handler: str | None = None,
    received: bool = True,
    clock_state: str = "running",
    satisfaction: int | None = None,
    deciders: tuple[str, ...] = (),
) -> None:
    """A complaint's view as the projection writes it, with one clock when `due` is given."""
    units = list(dict.fromkeys([receiving, *([owner] if owner else []), *involved]))
    async with stores.views() as views:
        await views.upsert_view(
            complaint_id,
            {
                "status": status,
                "receiving_unit": receiving,
                "owner_unit": owner,
                "units_involved": units,
                "provinces": sorted(provinces_of(ORG, units)),
                "restricted": restricted,
                "handler_id": handler,
                "handler": {"id": handler, "name": None} if handler else None,
                "received_at": T0 if received else None,
                "business_line": "cards",
                "satisfaction": satisfaction,
                "extension_deciders": list(deciders),
            },
        )
        if due is not None:
            values = {"due_at": at(due), "state": clock_state, "owner_unit": owner}
            await views.upsert_clock(complaint_id, "resolve", values)
            await views.refresh_next_due(complaint_id)


async def ids(stores, wanted=None, *, sight=EVERYTHING, after=None, limit=50) -> list[str]:
    rows = await stores.worklist.page(sight, wanted or WorklistFilter(OPEN), after, limit)
    return [row["complaint_id"] for row in rows]


async def test_soonest_due_first_ties_by_id_without_a_clock_last(stores):
    for complaint_id, due in [("c1", 300), ("c2", 60), ("c3", None), ("c4", 60), ("c0", None)]:
        await complaint(stores, complaint_id, due=due)
    await complaint(stores, "c5", due=10, clock_state="breached")
    await complaint(stores, "c6", due=5, clock_state="paused")  # not due while paused
    assert await ids(stores) == ["c5", "c2", "c4", "c1", "c0", "c3", "c6"]


async def test_an_item_carries_the_worklist_columns(stores):
    await complaint(stores, "c1", due=60, handler="e7")
    [item] = await stores.worklist.page(EVERYTHING, WorklistFilter(OPEN), None, 10)
    assert set(item) == set(WORKLIST_COLUMNS)
    assert item["next_due_at"] == at(60) and item["next_due"]["clock"] == "resolve"
    assert item["received_at"] == T0 and item["handler"] == {"id": "e7", "name": None}


async def test_statuses_select_and_complaints_not_back_from_the_log_are_left_out(stores):
    for complaint_id, status in [("c1", "received"), ("c2", "resolved"), ("c3", "closed")]:
        await complaint(stores, complaint_id, status=status)
    await complaint(stores, "c4", status="in_progress")
    await complaint(stores, "c5", received=False)
    assert await ids(stores) == ["c1", "c4"]
    assert await ids(stores, WorklistFilter(("closed", "resolved"))) == ["c2", "c3"]
    assert await ids(stores, WorklistFilter(())) == []


async def test_filters(stores):
    await complaint(stores, "c1", due=60, owner="YN-KM", handler="e7")
    await complaint(stores, "c2", due=120, receiving="YN-KM-02", owner="YN-KM-02")
    await complaint(stores, "c3", due=30, owner="YN-KM", clock_state="paused")
    await complaint(stores, "c4", owner="YN-KM")
    assert await ids(stores, WorklistFilter(OPEN, owner_unit="YN-KM")) == ["c1", "c3", "c4"]
    assert await ids(stores, WorklistFilter(OPEN, receiving_unit="YN-KM-02")) == ["c2"]
    assert await ids(stores, WorklistFilter(OPEN, handler="e7")) == ["c1"]
    assert await ids(stores, WorklistFilter(OPEN, awaiting="YN-KM")) == ["c1"]  # live clocks
    assert await ids(stores, WorklistFilter(OPEN, due_before=at(120))) == ["c1"]
    assert await ids(stores, WorklistFilter(OPEN, due_before=at(121))) == ["c1", "c2"]
    both = WorklistFilter(OPEN, owner_unit="YN-KM", due_before=at(61))
    assert await ids(stores, both) == ["c1"]


async def test_awaiting_lists_the_extension_requests_a_unit_may_decide(stores):
    await complaint(stores, "c1", due=60, owner="YN-KM-01", deciders=("YN-KM", "YN-SUP"))
    await complaint(stores, "c2", due=30, owner="YN-KM", clock_state="breached")
    await complaint(stores, "c3", due=90, owner="YN-KM-02", deciders=("YN-SUP",))
    await complaint(stores, "c4", owner="YN-KM-01", deciders=("YN-KM",), status="in_progress")
    await complaint(stores, "c5", due=10, owner="YN-KM", clock_state="paused")
    assert await ids(stores, WorklistFilter(OPEN, awaiting="YN-KM")) == ["c2", "c1", "c4"]
    assert await ids(stores, WorklistFilter(OPEN, awaiting="YN-SUP")) == ["c1", "c3"]
    assert await ids(stores, WorklistFilter(OPEN, awaiting="YN-KM-01")) == ["c1"]  # its clock
    assert await ids(stores, WorklistFilter(("in_progress",), awaiting="YN-KM")) == ["c4"]
    assert await ids(stores, WorklistFilter(OPEN, awaiting="YN")) == []
    as_owner = WorklistFilter(OPEN, awaiting="YN-KM", owner_unit="YN-KM-01")
    assert await ids(stores, as_owner) == ["c1", "c4"]


async def test_dissatisfied_customers(stores):
    for complaint_id, satisfaction in [("c1", 1), ("c2", 2), ("c3", 3), ("c4", 5), ("c5", None)]:
        await complaint(stores, complaint_id, satisfaction=satisfaction)
    await complaint(stores, "c6", status="resolved", satisfaction=2, due=30)
    await complaint(stores, "c7", status="closed", satisfaction=1, owner="YN-KM")
    dissatisfied = WorklistFilter(OPEN, dissatisfied=True)
    assert await ids(stores, dissatisfied) == ["c1", "c2"]
    every = WorklistFilter(("resolved", "closed", *OPEN), dissatisfied=True)
    assert await ids(stores, every) == ["c6", "c1", "c2", "c7"]
    assert await ids(stores, WorklistFilter(OPEN, dissatisfied=False)) == [
        "c1",
        "c2",
        "c3",
        "c4",
        "c5",
    ]
    both = WorklistFilter(("resolved", "closed"), owner_unit="YN-KM", dissatisfied=True)
    assert await ids(stores, both) == ["c7"]


async def test_the_cursor_continues_after_the_last_item(stores):
    dues = {"c1": 300, "c2": 60, "c3": None, "c4": 60, "c5": None, "c6": 120, "c7": None}
    for complaint_id, due in dues.items():
        await complaint(stores, complaint_id, due=due)
    everything = await ids(stores)
    pages: list[list[str]] = []
    after = None
    while True:
        rows = await stores.worklist.page(EVERYTHING, WorklistFilter(OPEN), after, 2)
        if not rows:
            break
        pages.append([row["complaint_id"] for row in rows])
        after = Position(rows[-1]["next_due_at"], rows[-1]["complaint_id"])
    assert pages == [["c2", "c4"], ["c6", "c1"], ["c3", "c5"], ["c7"]]
    assert [i for page in pages for i in page] == everything
    assert await ids(stores, after=Position(at(60), "c3")) == ["c4", "c6", "c1", "c3", "c5", "c7"]
    assert await ids(stores, after=Position(None, "c4")) == ["c5", "c7"]


CALLERS = ["HQ", "YN", "YN-SUP", "YN-CS", "YN-KM", "YN-KM-01", "YN-KM-02", "YN-DL", "GD-SUP"]


@pytest.mark.parametrize("caller", CALLERS)
async def test_a_caller_sees_what_the_shared_rule_lets_it_see(stores, caller):
    cases = {
        "c1": {"receiving": "YN-KM-01", "owner": "YN-KM-01"},
        "c2": {"receiving": "YN-KM-01", "owner": "YN-KM", "restricted": True},
        "c3": {"receiving": "YN-DL-01", "owner": "YN-DL-01", "involved": ("YN-KM-02",)},
        "c4": {"receiving": "GD-GZ", "owner": None},
        "c5": {"receiving": "YN-DL-01", "owner": "YN-DL", "restricted": True},
    }
    expected = []
    for complaint_id, case in cases.items():
        await complaint(stores, complaint_id, **case)
        units = {case["receiving"], case["owner"], *case.get("involved", ())} - {None}
        involvement = Involvement(frozenset(units), case.get("restricted", False))
        if sees(ORG, sight_of(ORG, caller), involvement):
            expected.append(complaint_id)
    assert await ids(stores, sight=sight_of(ORG, caller)) == expected
