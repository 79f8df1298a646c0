"""The complaint handling form (`GET /v1/complaints/{id}/form`) on the in-memory stores, over
HTTP on the app as `bootstrap` wires it (its lifespan, which would reach the database and
broker, never runs): every JSON field against a simple oracle over the seeded events, the draft
before the reply, the printable page, the PDF, and bad input (docs/domain.md#the-complaint-
handling-form, docs/architecture.md#http-contract)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pypdf
import pytest

from complaints_shared.contracts.base import Event
from complaints_shared.http.auth import issue_token
from intake.bootstrap import create_app
from intake.config import IntakeSettings
from intake.domain.handling_form import fold_form
from intake.entrypoints.form_pdf import FALLBACK_FONT, cjk_font, render_pdf
from intake.entrypoints.form_sheet import sheet
from intake.service_layer.submissions import SOURCE, Submissions

from .events import MASTER_KEY, MASTER_KEY_B64, ORG, action, at, registration
from .form_story import ACCOUNT, REPLY, event_id_of, iso, oracle, story
from .test_queries import World

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "intake-unit-tests-secret-long-enough-for-hs256"


class Api:
    def __init__(self, client: httpx.AsyncClient, world: World) -> None:
        self.client, self.world = client, world

    async def seed(self, complaint_id: str, events: list[tuple[float, Event, str]]) -> None:
        for minutes, event, source in events:
            await self.world.feed(complaint_id, event, minutes, source, event_id_of(event))

    async def form(self, complaint_id: str, caller: str = "YN-KM", **query: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {issue_token(caller, SECRET)}"}
        return await self.client.get(
            f"/v1/complaints/{complaint_id}/form", params=query, headers=headers
        )


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    app = create_app(
        IntakeSettings(
            org_directory=str(DEMO), jwt_secret=SECRET, customer_master_key=MASTER_KEY_B64
        )
    )
    world = World()
    world.accounts["C1"] = ACCOUNT
    app.state.queries = world.queries  # no lifespan runs: no consumer, relay or database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        yield Api(client, world)


async def test_every_field_is_what_the_events_say(api):
    events = story()
    await api.seed("C1", events)
    before = datetime.now(UTC)
    response = await api.form("C1")
    assert response.status_code == 200, response.text
    form = response.json()
    generated = datetime.fromisoformat(form.pop("generated_at"))
    assert generated.utcoffset() == timedelta(hours=8) and generated >= before
    expected = oracle("C1", events)
    assert set(form) == set(expected)
    for key in expected:  # one field at a time, for a readable failure
        assert form[key] == expected[key], key
    # the figures the story was built for, spelled out
    assert [d["status"] for d in form["deadlines"]] == ["met", "missed", "missed", "met"]
    assert [d["margin_seconds"] for d in form["deadlines"]] == [6660, None, -9000, 3600]
    assert form["units"][0]["departure"] == iso(at(70))
    assert form["units"][1]["departure"] == iso(at(700))
    assert form["classification"]["unit"] == "YN" and form["reply"]["text"] == REPLY
    outcomes = [
        (e["decision"] or {}).get("decision") or e["cancelled"]["by"] for e in form["extensions"]
    ]
    assert outcomes == ["approved", "refused", "reply"]
    approved = form["extensions"][0]
    assert approved["request_id"] == "request-0335" and approved["decision"]["unit"] == "YN"
    assert (approved["resolve_due_before"], approved["resolve_due_after"]) == (
        iso(at(550)),
        iso(at(640)),
    )
    assert form["extensions"][2]["cancelled"] == {"by": "reply", "at": iso(at(700))}


async def test_a_form_is_a_draft_until_resolved_and_again_after_reopening(api):
    events = story()
    resolved_at = next(i for i, (_, e, _) in enumerate(events) if e.NAME == "complaint.resolved")
    await api.seed("C1", events[:resolved_at])
    draft = (await api.form("C1")).json()
    assert draft["draft"] is True and draft["reply"] is None
    assert (
        draft["extensions"][-1]["cancelled"] is None and draft["extensions"][-1]["decision"] is None
    )
    assert draft["units"][-1]["departure"] is None
    assert draft["deadlines"][2]["status"] == "running"
    draft.pop("generated_at")
    assert draft == oracle("C1", events[:resolved_at])

    await api.seed("C1", events[resolved_at:])
    assert (await api.form("C1")).json()["draft"] is False
    await api.seed("C1", [(900, action("reopened", "YN-SUP", at(900)), SOURCE)])
    reopened = (await api.form("C1")).json()
    assert reopened["draft"] is True and reopened["units"][-1]["departure"] is None
    await api.seed("C1", [(950, action("resolved", "YN-KM", at(950), reply="再次答复"), SOURCE)])
    again = (await api.form("C1")).json()
    assert again["draft"] is False and again["reply"]["text"] == "再次答复"
    assert again["units"][-1]["departure"] == iso(at(950))


async def test_the_printable_page_is_chinese_and_escapes_what_it_prints(api):
    events = story()
    api.world.accounts["C1"] = ACCOUNT.model_copy(
        update={"summary": "<script>alert(1)</script> 卡被吞"}
    )
    await api.seed("C1", events)
    response = await api.form("C1", format="html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "客户投诉处理单" in page and "C1" in page and REPLY in page
    assert "■ 特殊投诉" in page and "□ 有效投诉" in page
    assert "@page { size: A4; margin: 15mm }" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "昆明北京路营业所（YN-KM-01）" in page and "2026-11-23 10:00" in page
    assert "提前1小时51分" in page and "超出2小时30分" in page and "超时" in page
    assert "草稿" not in page
    assert "批准" in page and "同意延期" in page and "因答复取消" in page and "理由不足" in page
    assert "2026-11-23 19:10 → 2026-11-23 20:40" in page  # the approved request's resolve move
    english = (await api.form("C1", format="html", lang="en")).text
    assert "Complaint handling form" in english and "■ special" in english
    assert "2 h 30 min late" in english and "客户投诉处理单" not in english
    assert "cancelled by the reply" in english and "Resolve due (was → now)" in english


async def test_the_pdf_embeds_a_chinese_font_and_carries_the_form(api):
    await api.seed("C1", story())
    response = await api.form("C1", format="pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="complaint-C1.pdf"' in response.headers["content-disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "C1" in text and REPLY in text and "特殊投诉" in text and "客户投诉处理单" in text
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    descendants = [f["/DescendantFonts"][0].get_object() for f in fonts if "/DescendantFonts" in f]
    descendants += [f for f in fonts if "/FontDescriptor" in f]
    assert any("/FontFile2" in f["/FontDescriptor"] for f in descendants)  # embedded TrueType


def test_without_a_cjk_font_the_pdf_falls_back_to_the_cid_font(tmp_path):
    assert cjk_font(tmp_path / "missing.ttc", (tmp_path,)) == FALLBACK_FONT
    form = fold_form("C9", [], ORG, datetime.now(UTC))
    pdf = render_pdf(sheet(asdict(form), "zh"), FALLBACK_FONT)
    assert (
        pdf.startswith(b"%PDF") and "C9" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    )


async def test_an_old_resolved_record_without_cause_still_folds_and_prints(api):
    events = story()
    cut = next(i for i, (_, e, _) in enumerate(events) if e.NAME == "complaint.resolved")
    await api.seed("C1", events[:cut])
    old = {"unit": "YN-KM", "at": at(700).isoformat(), "posted_by": "YN-KM", "reply": REPLY}
    entry = {"complaint_id": "C1", "event_id": "old-1", "type": "complaint.resolved"}
    await api.world.views.add_timeline_entry(**entry, time=at(700), source=SOURCE, data=old)
    form = (await api.form("C1")).json()
    assert form["draft"] is False and form["reply"]["text"] == REPLY
    assert form["investigation"]["cause"] is None and form["actions_taken"] is None
    assert form["reply"]["handler"] is None
    assert REPLY in (await api.form("C1", format="html")).text
    assert (await api.form("C1", format="pdf")).status_code == 200


async def test_a_complaint_not_yet_back_from_the_log_prints_an_empty_draft(api):
    submissions = Submissions(
        api.world.commands.transaction, ORG, customer_secret=b"test-secret", master_key=MASTER_KEY
    )
    recorded = await submissions.submit_complaint(
        caller="YN-KM-01", registration=registration(), received_at=at(0), key=None, body={}
    )
    form = (await api.form(recorded.complaint_id)).json()
    assert form["draft"] is True and form["received"] is None and form["units"] == []
    page = await api.form(recorded.complaint_id, format="html")
    assert page.status_code == 200 and "草稿（尚未办结）" in page.text


@pytest.mark.parametrize("query", [{"format": "docx"}, {"lang": "fr"}, {"format": ""}])
async def test_a_bad_format_or_language_is_a_problem(api, query):
    await api.seed("C1", story()[:2])
    response = await api.form("C1", **query)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["field"] == f"query.{next(iter(query))}"


@pytest.mark.parametrize("caller", ["YN-KM-02", "GD"])
async def test_a_complaint_the_caller_may_not_see_is_not_found(api, caller):
    await api.seed("C1", story()[:2])
    for query in ({}, {"format": "pdf"}):
        response = await api.form("C1", caller, **query)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await api.form("nope", "HQ")).status_code == 404
