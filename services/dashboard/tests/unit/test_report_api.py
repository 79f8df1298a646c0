"""The reports over HTTP: JSON, CSV (BOM, one header row), a printable page and a PDF; bad
input is a 422 problem naming the field, another unit's report is 404."""

from __future__ import annotations

import asyncio
import csv
import io
import time

import jwt
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from complaints_shared.runtime import create_service_app
from dashboard.entrypoints import reports
from dashboard.entrypoints.report_csv import ASSESSMENT_COLUMNS, VISIT_COLUMNS
from dashboard.service_layer.reports import ReportQueries
from dashboard.testing.fakes import FakeProjection
from dashboard.testing.report_fakes import FakeReportFacts
from dashboard.testing.report_story import story

from .org import ORG
from .test_reports_oracle import END, START, _project

SECRET = "a-test-secret-of-at-least-32-bytes"
NOVEMBER = {"unit": "YN", "month": "2026-11"}


async def _nothing(app) -> None:
    return None


@pytest.fixture(scope="module")
def client() -> TestClient:
    facts = FakeReportFacts(FakeProjection())
    asyncio.run(_project(facts, story(5, START, END, count=30)))
    app = create_service_app(title="t", description="t", startup=_nothing, shutdown=_nothing)
    app.state.org = ORG
    app.state.jwt_secret = SECRET
    app.state.reports = ReportQueries(ORG, facts.reading)
    app.include_router(reports.router)
    return TestClient(app)


def _as(unit: str) -> dict[str, str]:
    token = jwt.encode({"unit": unit, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


PATHS = ["/v1/reports/assessment", "/v1/reports/return-visits"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "November"}, "month"),
        ({"month": "1969-12"}, "month"),
        ({"format": "xml"}, "format"),
        ({"unit": "NOWHERE"}, "unit"),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field(client, path, params, field):
    body = _problem(client.get(path, params={**NOVEMBER, **params}, headers=_as("YN")), 422)
    assert field in [error["field"].split(".")[-1] for error in body["errors"]]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("caller", "unit"), [("YN-KM", "YN"), ("YN-KM", "YN-DL"), ("XJ", "YN")])
def test_a_unit_outside_the_callers_scope_is_not_found(client, path, caller, unit):
    _problem(client.get(path, params={"unit": unit}, headers=_as(caller)), 404)


@pytest.mark.parametrize("path", PATHS)
def test_a_caller_without_a_token_is_refused(client, path):
    _problem(client.get(path, params=NOVEMBER), 401)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_says_what_the_json_says(client):
    report = client.get("/v1/reports/assessment", params=NOVEMBER, headers=_as("YN")).json()
    response = client.get(
        "/v1/reports/assessment", params={**NOVEMBER, "format": "csv"}, headers=_as("YN")
    )
    rows = _csv(response)
    assert list(rows[0]) == list(ASSESSMENT_COLUMNS)
    units = [r for r in rows if r["row"] == "unit"]
    assert [r["unit"] for r in units] == [u["unit"] for u in report["units"]]
    for got, want in zip(units, report["units"], strict=True):
        for name in ("received", "taken", "valid", "special", "breaches", "repeat_complainants"):
            assert got[name] == str(want[name])
        for clock in ("start", "resolve"):
            figures = want["clocks"][clock]
            assert got[f"clock_{clock}_on_time"] == str(figures["on_time"])
            assert got[f"clock_{clock}_rate"] == (
                "" if figures["rate"] is None else str(figures["rate"])
            )
        median = want["time_to_resolve"]["median_seconds"]
        assert got["time_to_resolve_median_seconds"] == ("" if median is None else str(median))
    (total,) = [r for r in rows if r["row"] == "total"]
    assert total["received"] == str(report["totals"]["received"]) != "0"
    handlers = [r for r in rows if r["row"] == "handler"]
    assert [(r["unit"], r["handler_id"]) for r in handlers] == [
        (h["unit"], h["handler"]["id"]) for h in report["handlers"]
    ]


def test_the_return_visit_csv_lists_visits_and_what_customers_asked(client):
    report = client.get("/v1/reports/return-visits", params=NOVEMBER, headers=_as("YN")).json()
    rows = _csv(
        client.get(
            "/v1/reports/return-visits", params={**NOVEMBER, "format": "csv"}, headers=_as("YN")
        )
    )
    assert list(rows[0]) == list(VISIT_COLUMNS)
    (total,) = [r for r in rows if r["row"] == "total"]
    for name in ("due", "made", "reached", "on_time", "late"):
        assert total[name] == str(report["totals"][name])
    asks = [r["customer_asks"] for r in rows if r["row"] == "customer_asks"]
    assert asks == [a["customer_asks"] for a in report["customer_asks"]] and asks


def test_the_printable_page_is_chinese(client):
    response = client.get(
        "/v1/reports/assessment", params={**NOVEMBER, "format": "html"}, headers=_as("YN")
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "投诉处理月度考核表" in page and "2026-11" in page and "YN-KM-01" in page
    assert "各时限按时率" in page and "%" in page


@pytest.mark.parametrize(
    ("path", "title"),
    [("/v1/reports/assessment", "考核"), ("/v1/reports/return-visits", "回访")],
)
def test_the_pdf_names_the_units_and_their_on_time_rates(client, path, title):
    response = client.get(path, params={**NOVEMBER, "format": "pdf"}, headers=_as("YN"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    report = client.get(path, params=NOVEMBER, headers=_as("YN")).json()
    active = [u["unit"] for u in report["units"] if u["satisfaction"]["count"] or any(
        u.get(k) for k in ("received", "taken", "made", "due", "breaches"))]  # fmt: skip
    assert active and all(unit in text for unit in active)
    if path.endswith("assessment"):
        rate = report["totals"]["clocks"]["start"]["rate"]
        assert f"{rate * 100:.1f}%" in text
    else:
        rate = report["totals"]["on_time_rate"]
        assert rate is None or f"{rate * 100:.1f}%" in text
    assert title in text
