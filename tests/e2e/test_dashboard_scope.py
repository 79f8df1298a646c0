"""The dashboard's JSON, CSV and stream keep to the caller's scope and show no personal data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from complaints_shared.testing import wait_for

pytestmark = pytest.mark.e2e
PHONE, NAME = "13700001234", "欧阳修"


def body(unit: str, **more) -> dict:
    return {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": unit,
        "business_line": "cards",
        "severity": "normal",
        "flags": [],
        "received_at": (datetime.now(UTC) - timedelta(minutes=20)).isoformat(),
        "customer": {"name": NAME, "phone": PHONE},
        "summary": "scope scenario",
    } | more


@pytest.fixture(scope="module")
def cases(system) -> dict[str, str]:
    posted = {}
    for name, caller, payload in [
        ("yn", "YN-DL", body("YN-DL-01")),
        ("gd", "GD", body("GD-GZ-01")),
        ("restricted", "YN-DL", body("YN-DL-02", flags=["major_liability"])),
    ]:
        with system.client(caller) as client:
            response = client.post(system.url("intake", "/v1/complaints"), json=payload)
        assert response.status_code == 202, response.text
        posted[name] = response.json()["complaint_id"]
    with system.client("HQ") as hq:
        for cid in posted.values():
            wait_for(lambda cid=cid: assigned(system, hq, cid), what=f"{cid} assigned")
    return posted


def assigned(system, client: httpx.Client, cid: str) -> bool:
    response = timeline(system, client, cid)
    types = [e["type"] for e in response.json().get("events", [])]
    return response.status_code == 200 and "complaint.assigned" in types


def dashboard(system, client: httpx.Client, path: str, **params) -> httpx.Response:
    return client.get(system.url("dashboard", f"/v1/dashboard{path}"), params=params)


def timeline(system, client: httpx.Client, cid: str, **params) -> httpx.Response:
    return dashboard(system, client, f"/complaints/{cid}/timeline", **params)


def test_another_provinces_figures_are_forbidden_and_its_complaints_unknown(system, cases):
    with system.client("YN") as yn, system.client("GD") as gd:
        for path in ("/summary", "/complaints", "/export.csv"):
            response = dashboard(system, yn, path, unit="GD")
            assert response.status_code == 403, (path, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
        assert dashboard(system, yn, "/summary", unit="GD-GZ-01").status_code == 403
        assert dashboard(system, gd, "/summary", unit="YN").status_code == 403
        assert dashboard(system, yn, "/summary", unit="NOWHERE").status_code == 422
        assert timeline(system, yn, cases["gd"]).status_code == 404
        assert timeline(system, gd, cases["yn"]).status_code == 404
        assert timeline(system, yn, cases["yn"]).status_code == 200
        gd_units = {
            row["key"] for row in dashboard(system, gd, "/summary").json()["received"]["by_unit"]
        }
        assert gd_units and all(unit.startswith("GD-") for unit in gd_units)
        stream = system.url("dashboard", "/v1/dashboard/stream")
        assert yn.get(stream, params={"unit": "GD"}).status_code == 403
        bad = {"Authorization": "Bearer not-a-token"}
        assert httpx.get(stream, headers=bad).status_code == 401
        # No token in a URL: the page's stream goes by its session cookie, integrations send
        # the bearer header.
        assert httpx.get(stream, params={"token": system.token("YN")}).status_code == 401
        assert httpx.get(system.url("dashboard", "/v1/dashboard/summary")).status_code == 401


def test_a_restricted_complaint_is_seen_only_up_its_chain_and_by_hq(system, cases):
    """The units involved and every unit above one of them see it; a sibling does not."""
    cid = cases["restricted"]
    with system.client("HQ") as hq:
        involved = timeline(system, hq, cid).json()["events"]
    reported = {
        u
        for e in involved
        if e["type"] == "complaint.assigned"
        for u in e["data"].get("reported_to", [])
    }
    assert "YN" in reported  # a major liability case is reported to the province at once
    for unit, status in [
        ("HQ", 200),
        ("YN", 200),
        ("YN-DL-02", 200),  # received and owns it
        ("YN-DL", 200),  # the branch above it
        ("YN-DL-01", 404),  # a sibling outlet
        ("YN-KM", 404),  # a sibling branch
        ("YN-SUP", 200 if "YN-SUP" in reported else 404),  # only if involved
        ("GD", 404),
    ]:
        with system.client(unit) as client:
            assert timeline(system, client, cid).status_code == status, unit
    with system.client("YN-DL-01") as sibling:
        listed = dashboard(system, sibling, "/export.csv").text
    assert cid not in listed and cases["yn"] in listed


def test_csv_exports_and_no_personal_data(system, cases):
    with system.client("YN-DL") as client:
        export = dashboard(system, client, "/export.csv")
        summary = dashboard(system, client, "/summary", format="csv")
        page = timeline(system, client, cases["yn"])
        listed = dashboard(system, client, "/complaints", state="open", format="csv")
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert cases["yn"] in {row["complaint_id"] for row in rows}
    assert all(row["receiving_unit"].startswith("YN-DL") for row in rows)
    figures = list(csv.DictReader(io.StringIO(summary.text.lstrip("\ufeff"))))
    totals = {
        r["metric"]: r["value"]
        for r in figures
        if (r["section"], r["dimension"]) == ("received", "total")
    }
    assert int(totals["count"]) == len(rows)
    assert cases["yn"] in listed.text
    for text in (export.text, summary.text, page.text, listed.text):
        assert PHONE not in text and NAME not in text
    assert page.json()["complaint"]["customer"] == {"name": "欧**", "phone": "*******1234"}


def test_the_page_speaks_chinese_by_default_and_english_on_request(system):
    base = system.stack.base_url("dashboard")
    sign_in = httpx.get(f"{base}/dashboard", follow_redirects=True)  # no session yet
    assert str(sign_in.url).startswith(f"{base}/auth/login?next=")
    assert "用户名" in sign_in.text and "密码" in sign_in.text
    english_sign_in = httpx.get(f"{base}/dashboard?lang=en", follow_redirects=True)
    assert "Username" in english_sign_in.text and "Password" in english_sign_in.text
    username, password = system.account("YN")
    with httpx.Client(base_url=base, follow_redirects=True) as browser:
        signed_in = browser.post(
            "/auth/login",
            data={"username": username, "password": password},
            headers={"Origin": base},
        )
        assert str(signed_in.url) == f"{base}/dashboard"
        chinese = browser.get("/dashboard")
        english = browser.get("/dashboard", params={"lang": "en"})
        browser.post("/auth/logout", headers={"Origin": base})
    assert "投诉处理看板" in chinese.text and "Complaint dashboard" in english.text
    for asset in ("dashboard.js", "chart.js", "dashboard.css"):
        assert httpx.get(system.url("dashboard", f"/dashboard/static/{asset}")).status_code == 200
    assert "http" not in chinese.text.replace("http-equiv", "")  # nothing fetched from outside
