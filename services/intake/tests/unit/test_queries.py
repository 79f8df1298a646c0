"""Reading the projection for the API, on the in-memory stores: 404 for what the caller may not
see, times in the local offset of the unit concerned (+08:00 in the demo organisation), and
the worklist paged by cursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from complaints_shared.contracts.complaint_events import PersonalData
from complaints_shared.workflow.lifecycle import OPEN
from complaints_shared.workflow.visibility import sight_of
from intake.adapters.worklist import WorklistFilter
from intake.service_layer.projection import Projection
from intake.service_layer.queries import NotVisible, Queries
from intake.service_layer.submissions import SOURCE, Submissions
from intake.testing import FakeCommandStore, FakeComplaintReads, FakeViews, FakeWorklist

from .events import (
    MASTER_KEY,
    ORG,
    T0,
    action,
    assigned,
    at,
    envelope,
    received,
    registration,
    started,
    transferred,
)

PLUS_8 = timedelta(hours=8)


class World:
    """The in-memory stores, the projection writing them and the queries reading them. Rows are
    recorded at `recorded` when it is set (else the wall clock)."""

    def __init__(self) -> None:
        self.recorded: datetime | None = None
        self.views, self.commands = FakeViews(self.now), FakeCommandStore(self.now)
        self.projection = Projection(ORG, stores=lambda _session: (self.views, self.commands))
        # The sealed personal data as intake would open it, by complaint id.
        self.accounts: dict[str, PersonalData] = {}
        self.queries = Queries(
            ORG,
            FakeComplaintReads(self.views, self.commands),
            FakeWorklist(self.views),
            accounts=self.account,
        )

    async def account(self, complaint_id: str) -> PersonalData | None:
        return self.accounts.get(complaint_id)

    def now(self) -> datetime:
        return self.recorded or datetime.now(UTC)

    async def feed(
        self, complaint_id: str, event, minutes: float = 0, source="/routing", event_id=None
    ) -> None:
        sent = envelope(complaint_id, event, at(minutes), source, event_id)
        await self.projection.project(None, sent, event)  # type: ignore[arg-type]

    async def complaint(self, complaint_id: str, unit: str = "YN-KM-01", **overrides) -> None:
        await self.feed(complaint_id, received(unit, **overrides), source=SOURCE)
        await self.feed(complaint_id, assigned(unit), 1)


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize("caller", ["YN-KM-01", "YN-KM", "YN", "YN-SUP", "YN-CS", "HQ"])
async def test_the_units_involved_above_them_and_the_province_supervisors_see_it(world, caller):
    await world.complaint("C1")
    assert (await world.queries.complaint(caller, "C1"))["complaint_id"] == "C1"
    assert (await world.queries.timeline(caller, "C1", at(10)))["complaint_id"] == "C1"


@pytest.mark.parametrize("caller", ["YN-KM-02", "YN-DL", "GD", "GD-SUP", "nobody"])
async def test_others_get_not_found(world, caller):
    await world.complaint("C1")
    with pytest.raises(NotVisible):
        await world.queries.complaint(caller, "C1")
    with pytest.raises(NotVisible):
        await world.queries.timeline(caller, "C1", at(10))


async def test_a_restricted_case_is_hidden_from_the_province_supervisors(world):
    await world.complaint("C1", flags=("major_liability",))
    assert await world.queries.complaint("YN-KM", "C1")
    with pytest.raises(NotVisible):
        await world.queries.complaint("YN-SUP", "C1")


async def test_an_unknown_complaint_is_not_found(world):
    with pytest.raises(NotVisible):
        await world.queries.complaint("HQ", "nope")


async def test_times_are_in_the_local_offset(world):
    await world.complaint("C1")
    await world.feed("C1", started("resolve", "YN-KM-01", at(1), at(600)), 1, "/sla-monitor")
    public = await world.queries.complaint("HQ", "C1")
    assert public["received_at"] == T0 and public["received_at"].utcoffset() == PLUS_8
    [clock] = public["clocks"]
    assert clock["name"] == "resolve" and clock["due_at"].utcoffset() == PLUS_8
    assert public["next_due"]["due_at"] == at(600).astimezone(clock["due_at"].tzinfo).isoformat()
    assert public["next_due"]["due_at"].endswith("+08:00")
    assert public["status"] == "assigned" and public["units_involved"] == ["YN-KM-01"]
    assert "state" not in public and "provinces" not in public


async def test_a_complaint_shows_its_prior_complaints(world):
    await world.complaint("C1")
    await world.complaint("C2", prior_complaints=3)
    first = await world.queries.complaint("YN-KM", "C1")
    second = await world.queries.complaint("YN-KM", "C2")
    assert (first["prior_complaints"], first["repeat_complainant"]) == (0, False)
    assert (second["prior_complaints"], second["repeat_complainant"]) == (3, True)


async def test_the_worklist_of_dissatisfied_customers(world):
    for complaint_id, satisfaction in [("c1", 1), ("c2", 2), ("c3", 3), ("c4", None)]:
        await world.complaint(complaint_id)
        if satisfaction is not None:
            visit = action("return_visit_recorded", "YN-KM-01", satisfaction=satisfaction)
            await world.feed(complaint_id, visit, 5, SOURCE)
    sight = sight_of(ORG, "YN-SUP")
    wanted = WorklistFilter(statuses=OPEN, dissatisfied=True)
    items, _ = await world.queries.worklist(sight, wanted, None, 10)
    assert [item["complaint_id"] for item in items] == ["c1", "c2"]


async def test_a_complaint_not_yet_back_from_the_log_shows_its_registration(world):
    submissions = Submissions(
        world.commands.transaction, ORG, customer_secret=b"test-secret", master_key=MASTER_KEY
    )
    recorded = await submissions.submit_complaint(
        caller="YN-KM-01", registration=registration("YN-KM-01"), received_at=T0, key=None, body={}
    )
    public = await world.queries.complaint("YN-KM", recorded.complaint_id)
    assert public == {
        "complaint_id": recorded.complaint_id,
        "status": "received",
        "receiving_unit": "YN-KM-01",
        "units_involved": ["YN-KM-01"],
        "clocks": [],
    }
    with pytest.raises(NotVisible):
        await world.queries.complaint("YN-KM-02", recorded.complaint_id)


async def test_the_timeline_lists_events_handoffs_and_stays_in_local_time(world):
    await world.complaint("C1")
    await world.feed("C1", transferred("YN-KM-01", "YN-KM"), 30)
    await world.feed("C1", assigned("YN-KM", previous_owner="YN-KM-01"), 30)
    timeline = await world.queries.timeline("YN-KM", "C1", at(90))
    types = [event["type"] for event in timeline["events"]]
    assert types == [
        "complaint.received",
        "complaint.assigned",
        "complaint.transferred",
        "complaint.assigned",
    ]
    [handoff] = timeline["handoffs"]
    assert (handoff["from_unit"], handoff["to_unit"], handoff["why"]) == (
        "YN-KM-01",
        "YN-KM",
        "lines",
    )
    assert handoff["at"].utcoffset() == PLUS_8
    assert [(stay["unit"], stay["seconds"]) for stay in timeline["stays"]] == [
        ("YN-KM-01", 29 * 60),
        ("YN-KM", 60 * 60),
    ]
    assert timeline["events"][0]["data"]["received_at"].endswith("+08:00")


async def test_the_worklist_pages_by_cursor_soonest_due_first(world):
    dues = {"c1": 300, "c2": 60, "c3": None, "c4": 60, "c5": None, "c6": 120}
    for complaint_id, due in dues.items():
        await world.complaint(complaint_id)
        if due is not None:
            clock = started("resolve", "YN-KM-01", at(1), at(due))
            await world.feed(complaint_id, clock, 1, "/sla-monitor")
    sight, wanted = sight_of(ORG, "YN-KM"), WorklistFilter(statuses=OPEN)
    pages, after = [], None
    while True:
        items, after = await world.queries.worklist(sight, wanted, after, 2)
        pages.append([item["complaint_id"] for item in items])
        if after is None:
            break
    assert pages == [["c2", "c4"], ["c6", "c1"], ["c3", "c5"]]
    items, _ = await world.queries.worklist(sight, wanted, None, 1)
    assert items[0]["received_at"].utcoffset() == PLUS_8
    assert items[0]["next_due"]["due_at"].endswith("+08:00")
    assert "next_due_at" not in items[0]


async def test_the_worklist_shows_only_what_the_caller_may_see(world):
    await world.complaint("c1", "YN-KM-01")
    await world.complaint("c2", "YN-DL-01")
    await world.complaint("c3", "YN-KM-02", flags=("major_liability",))
    wanted = WorklistFilter(statuses=OPEN)

    async def seen(caller: str) -> list[str]:
        items, _ = await world.queries.worklist(sight_of(ORG, caller), wanted, None, 50)
        return [item["complaint_id"] for item in items]

    assert await seen("YN-KM-01") == ["c1"]
    assert await seen("YN-KM") == ["c1", "c3"]
    assert await seen("YN-SUP") == ["c1", "c2"]  # not the restricted case
    assert await seen("HQ") == ["c1", "c2", "c3"]
    assert await seen("GD") == []
