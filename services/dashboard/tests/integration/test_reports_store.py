"""The reports on the real projection store (PostgreSQL): a month of events projected one
transaction each, then the assessment and the return-visit summary over HTTP, as JSON and as
CSV, figure by figure against what the events alone say (`report_story.expected`); the month
reads the same after the next month's events; an erasure empties what customers asked."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime

import httpx
import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.contracts.personal_data_events import PersonalDataErased
from complaints_shared.organisation import parse_organisation
from complaints_shared.runtime import create_service_app
from dashboard.adapters.report_store import SqlReportFacts, sql_report_reading
from dashboard.adapters.repository import SqlProjection
from dashboard.domain.report_scope import units_of
from dashboard.entrypoints import reports
from dashboard.service_layer.projection import DashboardProjection
from dashboard.service_layer.reports import ReportQueries
from dashboard.testing.report_story import Step, expected, mismatches, story

pytestmark = pytest.mark.integration

ORG = parse_organisation(
    {
        "timezone": "Asia/Shanghai",
        "business_lines": ["cards"],
        "units": [
            {"id": "HQ", "kind": "hq"},
            {"id": "YN", "kind": "province", "parent": "HQ"},
            {"id": "YN-SUP", "kind": "supervision_line", "parent": "YN"},
            {"id": "YN-CARDS", "kind": "province_department", "parent": "YN", "lines": ["cards"]},
            {"id": "YN-KM", "kind": "branch", "parent": "YN", "name": "昆明分公司"},
            {"id": "YN-KM-01", "kind": "outlet", "parent": "YN-KM"},
            {"id": "YN-KM-02", "kind": "outlet", "parent": "YN-KM"},
            {"id": "YN-DL", "kind": "branch", "parent": "YN"},
            {"id": "YN-DL-01", "kind": "outlet", "parent": "YN-DL"},
        ],
    }
)
SECRET = "a-test-secret-of-at-least-32-bytes"
START = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 2026-11-01 00:00 in Shanghai
END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
NOVEMBER = {"unit": "YN", "month": "2026-11"}


@pytest.fixture
async def db(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    async with sessions() as session, session.begin():
        await session.execute(text("TRUNCATE report_facts"))
    return sessions


async def _project(sessions: async_sessionmaker[AsyncSession], steps: list[Step]) -> None:
    handler = DashboardProjection(SqlProjection, SqlReportFacts)
    for cid, event, when in steps:
        envelope = Envelope(
            id=new_id(),
            source="/report-tests",
            type=event.type_name(),
            subject=cid,
            time=when,
            data=event.model_dump(mode="json"),
        )
        async with sessions() as session, session.begin():
            await handler.project(session, envelope, event)


def _client(sessions: async_sessionmaker[AsyncSession]) -> httpx.AsyncClient:
    async def nothing(app) -> None:
        return None

    app = create_service_app(title="t", description="t", startup=nothing, shutdown=nothing)
    app.state.org = ORG
    app.state.jwt_secret = SECRET
    app.state.reports = ReportQueries(ORG, sql_report_reading(sessions))
    app.include_router(reports.router)
    # on the test's own event loop, where the database connections live
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard")


async def _get(client: httpx.AsyncClient, path: str, **params: str) -> httpx.Response:
    token = jwt.encode({"unit": "YN", "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    response = await client.get(
        f"/v1/reports/{path}",
        params={**NOVEMBER, **params},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response


async def _csv(client: httpx.AsyncClient, path: str) -> list[dict[str, str]]:
    body = (await _get(client, path, format="csv")).content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def _cell(value) -> str:
    return "" if value is None else str(value)


async def test_the_reports_say_what_the_events_say_in_json_and_csv(db):
    steps = story(21, START, END, count=50)
    await _project(db, steps)
    async with _client(db) as client:
        assessment = (await _get(client, "assessment")).json()
        visits = (await _get(client, "return-visits")).json()
        exp = expected(steps, set(units_of(ORG, "YN")), START, END)
        assert mismatches(assessment, visits, exp) == []
        assert assessment["totals"]["breaches"] > 0 and visits["customer_asks"]
        assert assessment["units"][3]["label"] == "昆明分公司"
        # the CSV, figure by figure
        rows = {(r["row"], r["unit"], r["handler_id"]): r for r in await _csv(client, "assessment")}
        for row in assessment["units"]:
            got = rows[("unit", row["unit"], "")]
            for name in ("received", "taken", "valid", "special", "breaches"):
                assert got[name] == _cell(row[name]), (row["unit"], name)
            for clock in ("start", "resolve", "return_visit"):
                for metric in ("on_time", "late", "rate"):
                    want = _cell(row["clocks"][clock][metric])
                    assert got[f"clock_{clock}_{metric}"] == want
            for name, value in row["time_to_resolve"].items():
                assert got[f"time_to_resolve_{name}"] == _cell(value)
            for score, n in row["satisfaction"]["distribution"].items():
                assert got[f"satisfaction_{score}"] == str(n)
        for row in assessment["handlers"]:
            got = rows[("handler", row["unit"], row["handler"]["id"])]
            assert (got["handler_name"], got["taken"], got["breaches"]) == (
                row["handler"]["name"], str(row["taken"]), str(row["breaches"]),
            )  # fmt: skip
        visit_rows = {
            (r["row"], r["unit"], r["handler_id"]): r for r in await _csv(client, "return-visits")
        }
        for row in visits["units"]:
            got = visit_rows[("unit", row["unit"], "")]
            for name in ("due", "made", "reached", "on_time", "late", "on_time_rate"):
                assert got[name] == _cell(row[name]), (row["unit"], name)


async def test_a_past_month_reads_the_same_after_the_next_months_events(db):
    steps = story(22, START, END, count=30)
    await _project(db, [s for s in steps if s[2] < END])
    async with _client(db) as client:
        before = [(await _get(client, p)).json() for p in ("assessment", "return-visits")]
        csv_before = (await _get(client, "assessment", format="csv")).content
        later = [s for s in steps if s[2] >= END]
        assert later
        await _project(db, later)
        assert [(await _get(client, p)).json() for p in ("assessment", "return-visits")] == before
        assert (await _get(client, "assessment", format="csv")).content == csv_before
        december = (await _get(client, "assessment", month="2026-12")).json()
        assert december["totals"]["received"] + december["totals"]["taken"] > 0


async def test_an_erasure_empties_what_the_customer_asked(db):
    steps = story(23, START, END, count=40)
    await _project(db, steps)
    async with _client(db) as client:
        asks = (await _get(client, "return-visits")).json()["customer_asks"]
        assert asks
        erased = asks[0]["complaint_id"]
        event = PersonalDataErased(unit="YN", posted_by="YN", reason="lawful request", at=END)
        await _project(db, [(erased, event, END)])
        after = (await _get(client, "return-visits")).json()["customer_asks"]
        assert erased not in {a["complaint_id"] for a in after}
        assert len(after) == len(asks) - sum(a["complaint_id"] == erased for a in asks)
