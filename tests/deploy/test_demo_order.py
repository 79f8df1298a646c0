"""The order in which `make run` posts the demo month (devstack.demo_order, demo_month): a first
slice that gives every figure of the dashboard something to show, then the rest; posted many
complaints at a time, yet each customer's complaints registered in order of receipt, so that
every complaint counts the same earlier ones as a single pass in order of receipt would."""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from complaints_shared.organisation import load_organisation
from devstack import demo_month
from devstack.demo_client import DemoClient
from devstack.demo_month import Tally, post_plans
from devstack.demo_order import AT_LEAST, EVERY, first_slice, kinds, phone
from devstack.demo_script import ComplaintPlan, month_plan
from devstack.demo_shown import full
from devstack.demo_vocabulary import PROVINCES
from devstack.stack import DEMO_ORG

ORG = load_organisation(DEMO_ORG)
NOW = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
PLANS = month_plan(ORG, NOW)
FIRST, REST = first_slice(PLANS, NOW)


def test_every_complaint_is_posted_once_in_order_of_receipt_within_each_part():
    assert sorted(p.key for p in FIRST + REST) == sorted(p.key for p in PLANS)
    for part in (FIRST, REST):
        assert [p.received_at for p in part] == sorted(p.received_at for p in part)
    assert 20 <= len(FIRST) <= len(PLANS) // 3


def test_the_first_slice_holds_some_of_every_figure_in_each_province_over_the_month():
    for province in PROVINCES:
        theirs = [p for p in FIRST if p.receiving_unit.split("-")[0] == province]
        for name, holds in kinds(NOW).items():
            assert sum(1 for p in theirs if holds(p)) >= AT_LEAST, (province, name)
    days = {p.received_at.date() for p in FIRST}
    assert max(days) - min(days) >= timedelta(days=20)
    assert any(s.action == "return_visit_recorded" for p in FIRST for s in p.steps)


def test_the_first_slice_tops_up_a_kind_the_draw_left_short():
    visited = kinds(NOW)["visited"]
    few = [p for p in PLANS if not visited(p)] + [p for p in PLANS if visited(p)][:16]
    counts = Counter(phone(p) for p in few)
    drawn = [p for p in few if counts[phone(p)] == 1][::EVERY]
    assert sum(1 for p in drawn if visited(p)) < AT_LEAST
    first, _ = first_slice(few, NOW)
    for province in PROVINCES:
        theirs = [
            p
            for p in few
            if p.receiving_unit.split("-")[0] == province and visited(p) and counts[phone(p)] == 1
        ]
        chosen = [p for p in first if p in theirs]
        assert len(chosen) >= min(AT_LEAST, len(theirs)) > 0, province


def test_repeat_customers_are_all_in_the_rest():
    counts = Counter(phone(p) for p in PLANS)
    assert any(n > 1 for n in counts.values())
    assert all(counts[phone(p)] == 1 for p in FIRST)


def prior_counts(registered: list[ComplaintPlan]) -> dict[str, int]:
    """`prior_complaints` as intake counts it, registering in this order: the customer's
    complaints (not inquiries) registered before and received before."""
    remembered: list[ComplaintPlan] = []
    counts = {}
    for plan in registered:
        counts[plan.key] = sum(
            1 for p in remembered if phone(p) == phone(plan) and p.received_at < plan.received_at
        )
        if plan.registration["kind"] == "complaint":
            remembered.append(plan)
    return counts


class FakeIntake:
    """Answers as intake does, after a short random pause: registrations and actions in the
    order they arrive. The registration of a customer's complaint that another one follows is
    slow: the later one would overtake it if it did not wait."""

    def __init__(self, plans: list[ComplaintPlan]) -> None:
        self.plans = {id(p.registration): p for p in plans}
        counts = Counter(phone(p) for p in plans)
        self.slow = {id(p.registration) for p in plans if counts[phone(p)] > 1}
        self.owners: dict[str, str] = {}
        self.registered: list[ComplaintPlan] = []
        self.actions: dict[str, list[str]] = {}
        self.in_flight = self.most_in_flight = 0
        self.rng = random.Random(1)

    async def pause(self, longest: float = 0.001) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(self.rng.random() * longest)
        self.in_flight -= 1

    async def post(self, unit: str, path: str, body: dict[str, Any]) -> dict:
        if path == "/v1/complaints":
            await self.pause(0.05 if id(body) in self.slow else 0.001)
            plan = self.plans[id(body)]
            cid = f"c-{plan.key}"
            self.registered.append(plan)
            self.owners[cid] = plan.expect_owner
            return {"complaint_id": cid, "event_id": f"{cid}-0"}
        await self.pause()
        cid = path.split("/")[3]
        self.actions.setdefault(cid, []).append(body["type"])
        return {"complaint_id": cid, "event_id": f"{cid}-{len(self.actions[cid])}"}

    async def wait_owner(self, unit: str, cid: str, owner: str | None) -> str:
        await self.pause()
        return owner or self.owners[cid]


def test_posting_many_at_a_time_counts_each_customers_earlier_complaints_as_one_pass():
    intake = FakeIntake(PLANS)
    tally = Tally()
    client = cast(DemoClient, intake)

    async def post() -> None:
        for part in (FIRST, REST):
            await post_plans(client, part, tally, threading.Event())

    asyncio.run(post())
    assert intake.registered != FIRST + REST, "posted many at a time, not one by one"
    assert 1 < intake.most_in_flight <= demo_month.CONCURRENCY
    assert prior_counts(intake.registered) == prior_counts(PLANS)
    assert any(n > 0 for n in prior_counts(PLANS).values())
    assert tally.complaints == len(PLANS) and not tally.refused
    for plan in PLANS:
        assert intake.actions.get(f"c-{plan.key}", []) == [s.action for s in plan.steps]


def summary(open_: int, breached: int, resolved: int, visits: int, bars: list[int]) -> dict:
    """The parts of the dashboard's summary the loader looks at."""
    return {
        "live": {"totals": {"open": open_, "due_soon": 0, "breached": breached}},
        "durations": {"resolve": {"total": {"count": resolved, "median_seconds": None}}},
        "satisfaction": {"count": visits, "average": 4.2 if visits else None},
        "received": {"series": [{"key": "YN-KM", "counts": bars}]},
    }


def test_the_loader_goes_on_once_every_figure_of_the_page_has_something_to_show():
    assert full(summary(5, 2, 7, 3, [0, 1, 2]))
    for empty in (
        summary(0, 0, 7, 3, [1]),
        summary(5, 0, 7, 3, [1]),
        summary(5, 2, 0, 3, [1]),
        summary(5, 2, 7, 0, [1]),
        summary(5, 2, 7, 3, [0, 0]),
    ):
        assert not full(empty)
