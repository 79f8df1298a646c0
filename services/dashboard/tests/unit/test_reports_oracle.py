"""A month of events through the projection (in memory): the assessment and the return-visit
summary say, figure by figure, what the events alone say (`report_story.expected`); and the
month reads the same after the next month's events arrive."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

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
