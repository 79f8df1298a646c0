"""One restricted case asked through every read path of every service by units all around it:
each path gives each unit the same yes or no, the one the visibility rule gives. Invisible is
404 on a single-complaint path and absence from a list.

The expected answer is computed here from the log itself (who is involved), not from any
service: the units involved and every unit above one of them see a restricted case; head
office sees everything; nobody else does.
"""

from __future__ import annotations

import csv
import io

import pytest

from complaints_shared.testing import wait_for

from .workflow_support import (
    ORG,
    PROBLEM,
    ago,
    involvement,
    may_see,
    post_complaint,
    timeline,
    view,
    worklist,
)

pytestmark = pytest.mark.e2e

CALLERS = (
    "YN-KM-01",  # received it and owns it
    "YN-KM",  # the branch above (and where the breach was escalated)
    "YN",  # the province (reported to at once)
    "HQ",
    "HQ-QSG",  # reported to at once
    "YN-SUP",  # the province's supervision line: not involved
    "YN-CS",  # the province's customer-service department: not involved
    "YN-KM-02",  # a sibling outlet
    "YN-DL",  # a sibling branch
    "YN-DL-01",  # an outlet of the sibling branch
    "GD-GZ",  # another province's branch
    "GD",  # another province
)
SINGLE = (
    "intake complaint",
    "intake timeline",
    "sla clocks",
    "notifications",
    "dashboard timeline",
)
LISTS = ("intake worklist", "sla due", "sla breaches", "dashboard complaints", "dashboard export")


@pytest.fixture(scope="module")
def restricted_case(system) -> dict:
    """A major liability accident received at a Kunming outlet three hours ago: its 2-hour
    `start` clock has breached (a breach to list), its resolve clock still runs (a due clock
    to list)."""
    with system.client("YN-KM-01") as outlet:
        cid = post_complaint(
            system,
            outlet,
            "YN-KM-01",
            business_line="deposits",
            flags=["major_liability"],
            received_at=ago(hours=3),
        )
    with system.client("HQ") as hq:

        def settled() -> bool:
            seen = view(system, hq, cid)
            states = {c["name"]: c["state"] for c in seen.get("clocks", [])}
            kinds = {e["type"] for e in timeline(system, hq, cid)["events"]}
            alerts = (
                hq.get(system.url("notifier", "/v1/notifications"), params={"complaint_id": cid})
                .json()
                .get("notifications", [])
            )
            board = hq.get(system.url("dashboard", f"/v1/dashboard/complaints/{cid}/timeline"))
            board_kinds = (
                {e["type"] for e in board.json()["events"]} if board.status_code == 200 else set()
            )
            return bool(
                states.get("start") == "breached"
                and states.get("resolve") == "running"
                and {"complaint.escalated", "notification.sent"} <= kinds
                and alerts
                and "complaint.escalated" in board_kinds
            )

        wait_for(settled, timeout=60, what="the restricted case settled in every service")
    involved, restricted = involvement(system, cid)
    assert restricted and {"YN-KM-01", "YN"} <= involved, involved
    return {"cid": cid, "involved": involved}


def present(cid: str, rows: list[dict]) -> bool:
    return cid in {row.get("complaint_id") for row in rows}


def answers(system, unit: str, cid: str) -> dict[str, bool | str]:
    """What every read path tells `unit`: True = it sees the complaint, False = it does not,
    a string = an answer that is neither (e.g. a 200 with an empty list, or a 500)."""
    out: dict[str, bool | str] = {}
    with system.client(unit) as client:

        def single(name: str, service: str, path: str, **params) -> None:
            response = client.get(system.url(service, path), params=params)
            problem = response.headers.get("content-type", "").startswith(PROBLEM)
            if response.status_code == 200:
                out[name] = True
            elif response.status_code == 404 and problem:
                out[name] = False
            else:
                out[name] = f"HTTP {response.status_code}: {response.text[:200]}"

        def listed(name: str, service: str, path: str, rows_of, **params) -> None:
            response = client.get(system.url(service, path), params=params)
            if response.status_code != 200:
                out[name] = f"HTTP {response.status_code}: {response.text[:200]}"
            else:
                out[name] = present(cid, rows_of(response))

        single("intake complaint", "intake", f"/v1/complaints/{cid}")
        single("intake timeline", "intake", f"/v1/complaints/{cid}/timeline")
        single("sla clocks", "sla-monitor", f"/v1/complaints/{cid}/clocks")
        single("notifications", "notifier", "/v1/notifications", complaint_id=cid)
        single("dashboard timeline", "dashboard", f"/v1/dashboard/complaints/{cid}/timeline")
        try:
            out["intake worklist"] = present(cid, worklist(system, client))
        except AssertionError as refused:
            out["intake worklist"] = str(refused)[:200]
        listed("sla due", "sla-monitor", "/v1/sla/due", lambda r: r.json()["clocks"], within="P30D")
        listed("sla breaches", "sla-monitor", "/v1/sla/breaches", lambda r: r.json()["breaches"])
        listed(
            "dashboard complaints",
            "dashboard",
            "/v1/dashboard/complaints",
            lambda r: r.json()["complaints"],
            state="open",
        )
        listed(
            "dashboard export",
            "dashboard",
            "/v1/dashboard/export.csv",
            lambda r: list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff")))),
        )
    return out


def clock_owner_below(unit: str, owners: set[str]) -> bool:
    """The SLA lists are of the clocks a unit (and the units below it) owns."""
    return ORG.unit(unit).kind == "hq" or any(ORG.is_self_or_above(unit, o) for o in owners)


@pytest.mark.parametrize("unit", CALLERS)
def test_every_read_path_gives_the_same_answer(system, restricted_case, unit):
    cid = restricted_case["cid"]
    expected = may_see(unit, restricted_case["involved"], restricted=True)
    got = answers(system, unit, cid)
    wrong = {path: seen for path, seen in got.items() if seen != expected}
    if expected:
        # A clock list is a list of clocks the unit or one below it owns: a unit that sees the
        # case only through a report (HQ-QSG) has no clock of it to list.
        with system.client("HQ") as hq:
            owners = {c["owner_unit"] for c in view(system, hq, cid)["clocks"]}
        if not clock_owner_below(unit, owners):
            wrong = {p: s for p, s in wrong.items() if p not in ("sla due", "sla breaches")}
    assert wrong == {}, f"{unit} should {'' if expected else 'not '}see {cid}: {got}"


def test_the_expected_answers_cover_both_sides(restricted_case):
    """The callers include units that see the case and units that do not, at every level."""
    sees = {u for u in CALLERS if may_see(u, restricted_case["involved"], restricted=True)}
    assert {"YN-KM-01", "YN-KM", "YN", "HQ"} <= sees
    assert {"YN-DL", "YN-DL-01", "GD-GZ", "YN-KM-02"}.isdisjoint(sees)
