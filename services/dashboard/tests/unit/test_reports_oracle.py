"""A month of events through the projection (in memory): the assessment and the return-visit
summary say, figure by figure, what the events alone say (`report_story.expected`); and the
month reads the same after the next month's events arrive."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import Envelope, new_id
from dashboard.domain.report_scope import report_scope, units_of
from dashboard.service_layer.projection import DashboardProjection
from dashboard.service_layer.reports import ReportQueries
from dashboard.testing.fakes import FakeProjection
from dashboard.testing.report_fakes import FakeReportFacts
from dashboard.testing.report_story import Step, expected, mismatches, story

from .org import ORG

NO_SESSION = cast(AsyncSession, None)
START = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 2026-11-01 00:00 in Shanghai
END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 15, tzinfo=UTC)


async def _project(facts: FakeReportFacts, steps: list[Step]) -> None:
    handler = DashboardProjection(facts.projection.stores, facts.stores)
    for cid, event, when in steps:
        envelope = Envelope(
            id=new_id(),
            source="/report-tests",
            type=event.type_name(),
            subject=cid,
            time=when,
            data=event.model_dump(mode="json"),
        )
        await handler.project(NO_SESSION, envelope, event)


async def _reports(facts: FakeReportFacts, unit: str = "YN") -> tuple[dict, dict]:
    queries = ReportQueries(ORG, facts.reading)
    scope = report_scope(ORG, unit, unit, "2026-11", NOW)
    return await queries.assessment(scope), await queries.return_visits(scope)


async def test_every_figure_is_what_the_events_say():
    steps = story(7, START, END)
    facts = FakeReportFacts(FakeProjection())
    await _project(facts, steps)
    assessment, visits = await _reports(facts)
    exp = expected(steps, set(units_of(ORG, "YN")), START, END)
    assert mismatches(assessment, visits, exp) == []
    # the story exercises what it should: breaches, handlers, late visits, asks
    assert assessment["totals"]["breaches"] > 0
    assert assessment["totals"]["received"] < len({cid for cid, _, _ in steps})
    assert len(assessment["handlers"]) >= 6
    assert visits["totals"]["made"] > 0 and visits["customer_asks"]
    # and the comparison would see a wrong figure
    for figure in ("breaches", "valid", "received"):
        broken = copy.deepcopy(assessment)
        broken["units"][-1][figure] += 1
        assert mismatches(broken, visits, exp)
    broken = copy.deepcopy(visits)
    broken["handlers"][0]["made"] += 1
    assert mismatches(assessment, broken, exp)


async def test_a_branch_reads_only_its_own_units():
    steps = story(11, START, END)
    facts = FakeReportFacts(FakeProjection())
    await _project(facts, steps)
    assessment, visits = await _reports(facts, "YN-KM")
    assert [row["unit"] for row in assessment["units"]] == ["YN-KM", "YN-KM-01", "YN-KM-02"]
    assert {row["unit"] for row in assessment["handlers"]} <= {"YN-KM", "YN-KM-01", "YN-KM-02"}
    exp = expected(steps, {"YN-KM", "YN-KM-01", "YN-KM-02"}, START, END)
    assert mismatches(assessment, visits, exp) == []


async def test_a_past_month_reads_the_same_after_the_next_months_events():
    steps = story(3, START, END)
    facts = FakeReportFacts(FakeProjection())
    await _project(facts, [s for s in steps if s[2] < END])
    before = await _reports(facts)
    later = [s for s in steps if s[2] >= END]
    assert later  # the story goes on into December
    await _project(facts, later)
    assert await _reports(facts) == before


async def test_a_breach_stays_with_the_handler_who_held_the_complaint_when_it_fell_due():
    """A signs for it, the resolve clock breaches while A holds it, then it passes to B, who
    resolves it: the breach is A's (and the unit's), never B's."""
    a = c.HandlerRef(id="KM01-A", name="张伟")
    b = c.HandlerRef(id="KM01-B", name="王芳")
    t0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    due = t0 + timedelta(hours=24)
    unit = "YN-KM-01"
    received = c.ComplaintReceived(
        kind="complaint", channel="on_site", receiving_unit=unit, business_line="cards",
        category="attitude", received_at=t0, customer=c.Customer(name="张**", phone="***8000"),
        posted_by=unit,
    )  # fmt: skip
    assigned = r.ComplaintAssigned(owner_unit=unit, handling_level="branch", rule="r", reason="r")
    started = s.ClockStarted(
        clock="resolve", owner_unit=unit, started_at=t0, due_at=due, budget_seconds=86_400,
        calendar="24x7",
    )  # fmt: skip
    resolved_at = due + timedelta(hours=5)
    steps: list[Step] = [
        ("AB-1", received, t0),
        ("AB-1", assigned, t0),
        ("AB-1", c.ComplaintAccepted(unit=unit, at=t0, posted_by=unit, handler=a), t0),
        ("AB-1", started, t0),
        ("AB-1", s.SlaBreached(clock="resolve", owner_unit=unit, due_at=due, handler=a), due),
        (
            "AB-1",
            c.HandlerChanged(unit=unit, at=due + timedelta(hours=1), posted_by=unit, handler=b),
            due + timedelta(hours=1),
        ),
        (
            "AB-1",
            c.Resolved(unit=unit, at=resolved_at, posted_by=unit, reply="已答复", handler=b),
            resolved_at,
        ),
        (
            "AB-1",
            s.ClockStopped(
                clock="resolve",
                owner_unit=unit,
                outcome="met",
                stopped_at=resolved_at,
                late=True,
                handler=b,
            ),
            resolved_at,
        ),  # fmt: skip
    ]
    facts = FakeReportFacts(FakeProjection())
    await _project(facts, steps)
    assessment, _ = await _reports(facts)
    breaches = {row["handler"]["id"]: row["breaches"] for row in assessment["handlers"]}
    assert breaches.get("KM01-A") == 1 and breaches.get("KM01-B", 0) == 0, assessment["handlers"]
    by_unit = {row["unit"]: row["breaches"] for row in assessment["units"]}
    assert by_unit[unit] == 1 and assessment["totals"]["breaches"] == 1
