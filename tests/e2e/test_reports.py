"""The monthly reports on the running system: complaints posted through intake and driven
through the workflow show up in the dashboard's assessment of the current month, counted for
the receiving unit, the owner and the handler who signed for them."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from complaints_shared.testing import wait_for

from .workflow_support import accept, act_ok, ago, post_complaint, resolve, wait_owned

pytestmark = pytest.mark.e2e
BRANCH, OUTLET = "YN-KM", "YN-KM-02"


def report(system, client: httpx.Client, path: str = "assessment", **params) -> httpx.Response:
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    query = {"unit": BRANCH, "month": month} | params
    return client.get(system.url("dashboard", f"/v1/reports/{path}"), params=query)


def row(report: dict, unit: str, handler: str | None = None) -> dict:
    if handler is None:
        return next(r for r in report["units"] if r["unit"] == unit)
    found = [r for r in report["handlers"] if r["unit"] == unit and r["handler"]["id"] == handler]
    return found[0] if found else {"taken": 0, "valid": 0}


def test_the_months_assessment_counts_what_was_posted_and_done(system):
    handler = {"id": f"E2E-{uuid.uuid4().hex[:8]}", "name": "报表测试员"}
    with system.client(BRANCH) as branch, system.client("HQ") as hq:
        before = report(system, branch).json()
        posted = [
            post_complaint(system, hq, OUTLET, category="attitude", received_at=ago(minutes=2))
            for _ in range(3)
        ]
        owners = [wait_owned(system, hq, cid)["owner_unit"] for cid in posted]
        assert all(owner in (BRANCH, OUTLET) or owner.startswith(f"{BRANCH}-") for owner in owners)
        for cid, owner in zip(posted, owners, strict=True):
            accept(system, hq, cid, owner, handler=handler)
        act_ok(system, hq, posted[0], "classified", owners[0], classification="valid")
        for cid, owner in zip(posted[:2], owners, strict=False):
            resolve(system, hq, cid, owner)
        owner = owners[0]
        was = {
            "received": row(before, OUTLET)["received"],
            "attitude": row(before, OUTLET)["by_category"]["attitude"],
            "taken": row(before, owner)["taken"],
            "valid": row(before, owner)["valid"],
            "resolved": row(before, owner)["time_to_resolve"]["count"],
        }

        def counted() -> dict | None:
            now = report(system, branch).json()
            mine = row(now, owner, handler["id"])
            done = (
                row(now, OUTLET)["received"] == was["received"] + 3
                and row(now, OUTLET)["by_category"]["attitude"] == was["attitude"] + 3
                and mine["taken"] == sum(o == owner for o in owners)
                and mine["valid"] == 1
                and row(now, owner)["valid"] == was["valid"] + 1
                and row(now, owner)["time_to_resolve"]["count"]
                >= was["resolved"] + sum(o == owner for o in owners[:2])
            )
            return now if done else None

        now = wait_for(counted, timeout=90, what="the assessment to count the new complaints")
        assert row(now, owner, handler["id"])["handler"]["name"] == "报表测试员"
        assert now["unit"] == BRANCH and {r["unit"] for r in now["units"]} >= {BRANCH, OUTLET}

        csv = report(system, branch, format="csv")
        assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())
        assert handler["id"] in csv.text
        for fmt, media in (("html", "text/html"), ("pdf", "application/pdf")):
            printed = report(system, branch, format=fmt)
            assert printed.status_code == 200 and printed.headers["content-type"].startswith(media)
        visits = report(system, branch, "return-visits")
        assert visits.status_code == 200 and visits.json()["unit"] == BRANCH

        # the province's report is none of the branch's business; a bad month is named
        assert report(system, branch, unit="YN").status_code == 404
        bad = report(system, branch, month="2026-13")
        assert bad.status_code == 422
        assert [e["field"] for e in bad.json()["errors"]] == ["month"]
