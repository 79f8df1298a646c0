"""`GET /v1/complaints/{id}` marks a working-calendar clock `calendar_uncovered` when its run
reaches a year its unit's calendar has no public holidays for; a 24x7 clock never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from complaints_shared.contracts import sla_events as s
from complaints_shared.workflow.official_holidays import covered_years
from intake.service_layer.projection import Projection
from intake.service_layer.queries import Queries
from intake.service_layer.submissions import SOURCE
from intake.testing import FakeCommandStore, FakeComplaintReads, FakeViews, FakeWorklist

from .events import ORG, assigned, envelope, received

LAST = covered_years("cn").stop - 1  # the last year the installed schedule covers
DEC_30 = datetime(LAST, 12, 30, 2, tzinfo=UTC)  # 10:00 in Kunming


def clock(name: str, calendar: str, start: datetime, due: datetime) -> s.ClockStarted:
    return s.ClockStarted(
        clock=name,
        owner_unit="YN-KM-01",
        started_at=start,
        due_at=due,
        budget_seconds=int((due - start).total_seconds()),
        calendar=calendar,
    )


@pytest.fixture
def stores():
    views, commands = FakeViews(), FakeCommandStore()
    projection = Projection(ORG, stores=lambda _session: (views, commands))
    queries = Queries(ORG, FakeComplaintReads(views, commands), FakeWorklist(views))
    return projection, queries


async def _feed(projection, complaint_id: str, *events, source="/routing") -> None:
    for event in events:
        await projection.project(None, envelope(complaint_id, event, DEC_30, source), event)


async def _clocks(stores, *started: s.ClockStarted) -> dict[str, dict]:
    projection, queries = stores
    await _feed(projection, "C1", received("YN-KM-01"), source=SOURCE)
    await _feed(projection, "C1", assigned("YN-KM-01"))
    await _feed(projection, "C1", *started, source="/sla-monitor")
    public = await queries.complaint("YN-KM-01", "C1")
    return {c["name"]: c for c in public["clocks"]}


async def test_a_working_clock_into_an_uncovered_year_is_marked(stores) -> None:
    clocks = await _clocks(
        stores,
        clock("resolve", "YN-KM-01", DEC_30, DEC_30 + timedelta(days=4)),  # into LAST + 1
        clock("customer", "YN-KM-01", DEC_30, DEC_30 + timedelta(hours=5)),  # within LAST
        clock("start", "24x7", DEC_30, DEC_30 + timedelta(days=4)),  # round the clock
    )
    assert clocks["resolve"]["calendar_uncovered"] is True
    assert clocks["customer"]["calendar_uncovered"] is False
    assert clocks["start"]["calendar_uncovered"] is False


async def test_the_year_is_read_in_the_units_time_zone(stores) -> None:
    # 16:30 UTC on 31 December is already 1 January in Kunming (+08:00)
    due = datetime(LAST, 12, 31, 16, 30, tzinfo=UTC)
    clocks = await _clocks(stores, clock("resolve", "YN-KM-01", due - timedelta(hours=2), due))
    assert clocks["resolve"]["calendar_uncovered"] is True


async def test_a_clock_within_the_covered_years_is_not_marked(stores) -> None:
    start = datetime(LAST, 6, 1, 2, tzinfo=UTC)
    clocks = await _clocks(stores, clock("resolve", "YN-KM-01", start, start + timedelta(days=3)))
    assert clocks["resolve"]["calendar_uncovered"] is False
