"""What the workflow and visibility suites share: posting complaints, following the workflow
(wait for routing's assignment, sign for it, then act), reading every service, and an
independent statement of who may see a complaint, computed from the log itself.

Not a test module: helpers only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import httpx

from complaints_shared.organisation import load_organisation
from complaints_shared.testing import wait_for
from complaints_shared.testing.kafka import find_envelopes
from devstack.stack import DEMO_ORG

ORG = load_organisation(DEMO_ORG)
PROBLEM = "application/problem+json"
OPEN_STATUSES = ("received", "assigned", "in_progress", "waiting_on_customer")


def now() -> datetime:
    return datetime.now(UTC)


def ago(**delta: float) -> str:
    return (now() - timedelta(**delta)).isoformat()


def body(receiving_unit: str = "YN-KM-01", **overrides) -> dict:
    return {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": receiving_unit,
        "business_line": "cards",
        "severity": "normal",
        "flags": [],
        "received_at": ago(minutes=5),
        "customer": {"name": "孙悟空", "phone": "13700007777"},
        "summary": "workflow scenario",
    } | overrides


def post_complaint(system, client: httpx.Client, receiving_unit: str = "YN-KM-01", **more) -> str:
    response = client.post(
        system.url("intake", "/v1/complaints"), json=body(receiving_unit, **more)
    )
    assert response.status_code == 202, response.text
    return response.json()["complaint_id"]


# --- intake reads -------------------------------------------------------------------------


def view(system, client: httpx.Client, cid: str) -> dict:
    response = client.get(system.url("intake", f"/v1/complaints/{cid}"))
    return response.json() if response.status_code == 200 else {}


def timeline(system, client: httpx.Client, cid: str) -> dict:
    response = client.get(system.url("intake", f"/v1/complaints/{cid}/timeline"))
    return response.json() if response.status_code == 200 else {"events": [], "stays": []}


def events_of(system, client: httpx.Client, cid: str, type_: str) -> list[dict]:
    return [e for e in timeline(system, client, cid)["events"] if e["type"] == type_]


def wait_owned(system, client: httpx.Client, cid: str, owner: str | None = None) -> dict:
    """The complaint once routing named its owner (`owner` when given) and intake knows it."""

    def check() -> dict | None:
        seen = view(system, client, cid)
        if not seen.get("owner_unit") or seen.get("status") in (None, "received", "accepted"):
            return None
        return seen if owner is None or seen["owner_unit"] == owner else None

    return wait_for(check, what=f"{cid} owned by {owner or 'someone'}")


def wait_status(system, client: httpx.Client, cid: str, status: str) -> dict:
    def check() -> dict | None:
        seen = view(system, client, cid)
        return seen if seen.get("status") == status else None

    return wait_for(check, what=f"{cid} in status {status}")


def act(system, client: httpx.Client, cid: str, type_: str, unit: str, **fields) -> httpx.Response:
    """Post a unit's action (at: now unless given)."""
    action = {"type": type_, "unit": unit, "at": fields.pop("at", None) or now().isoformat()}
    return client.post(system.url("intake", f"/v1/complaints/{cid}/events"), json=action | fields)


def act_ok(system, client: httpx.Client, cid: str, type_: str, unit: str, **fields) -> str:
    response = act(system, client, cid, type_, unit, **fields)
    assert response.status_code == 202, f"{type_} by {unit}: {response.text}"
    return response.json()["event_id"]


def accept(system, client: httpx.Client, cid: str, owner: str, **fields) -> dict:
    """Sign for the complaint as its owner once routing assigned it to `owner`."""
    wait_owned(system, client, cid, owner)
    act_ok(system, client, cid, "accepted", owner, **fields)
    return wait_status(system, client, cid, "in_progress")


def resolve(system, client: httpx.Client, cid: str, owner: str, **fields) -> dict:
    """Accept (if still `assigned`), then resolve; the complaint once intake shows it resolved."""
    if view(system, client, cid).get("status") in (None, "received", "assigned", "accepted"):
        accept(system, client, cid, owner)
    act_ok(system, client, cid, "resolved", owner, reply=fields.pop("reply", "done"), **fields)
    return wait_status(system, client, cid, "resolved")


def marker(system, client: httpx.Client, cid: str, unit: str) -> list[dict]:
    """Post a note and wait until intake's timeline shows it: every event recorded before it is
    in the timeline too (one complaint's events are totally ordered in the log)."""
    text = f"marker {now().isoformat()}"
    act_ok(system, client, cid, "note", unit, text=text)

    def noted() -> list[dict] | None:
        events = timeline(system, client, cid)["events"]
        found = any(e["type"] == "complaint.note" and e["data"].get("text") == text for e in events)
        return events if found else None

    return wait_for(noted, what="the marker note in the timeline")


def assert_problem(response: httpx.Response, status: int | None = None) -> dict:
    """A problem+json refusal (any 4xx when `status` is None)."""
    if status is None:
        assert 400 <= response.status_code < 500, (response.status_code, response.text)
    else:
        assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    problem = response.json()
    assert problem["status"] == response.status_code, problem
    return problem


# --- the worklist -------------------------------------------------------------------------


def worklist_pages(system, client: httpx.Client, **params) -> list[list[dict]]:
    """Every page of `GET /v1/complaints`, following `next_cursor` (bounded)."""
    pages: list[list[dict]] = []
    cursor = None
    for _ in range(2000):
        query = dict(params) | ({"cursor": cursor} if cursor else {})
        response = client.get(system.url("intake", "/v1/complaints"), params=query)
        assert response.status_code == 200, response.text
        answer = response.json()
        pages.append(answer["items"])
        cursor = answer.get("next_cursor")
        if not cursor:
            return pages
    raise AssertionError("the worklist cursor never ended")


def worklist(system, client: httpx.Client, **params) -> list[dict]:
    params.setdefault("limit", 500)
    return [item for page in worklist_pages(system, client, **params) for item in page]


# --- who may see a complaint, from the log ------------------------------------------------


def involvement(system, cid: str) -> tuple[set[str], bool]:
    """The units involved in a complaint and whether it is restricted, read from the log (no
    service asked): the receiving unit, every owner, every unit it was reported, transferred or
    escalated to, and every unit owning one of its clocks."""
    involved: set[str] = set()
    restricted = False
    for envelope in find_envelopes(system.bootstrap, cid):
        kind, data = envelope.type.rsplit(".", 1)[0], envelope.data
        if kind == "complaint.received":
            involved.add(data["receiving_unit"])
            restricted |= "major_liability" in data.get("flags", ())
        elif kind == "complaint.assigned":
            involved |= {data["owner_unit"], *data.get("also_involved", ())}
            involved |= set(data.get("reported_to", ()))
            restricted |= bool(data.get("restricted"))
        elif kind in ("complaint.transferred", "complaint.escalated", "complaint.reported"):
            involved.add(data["to_unit"])
        elif kind == "sla.clock_started" and data.get("owner_unit"):
            involved.add(data["owner_unit"])
    return involved, restricted


def may_see(caller: str, involved: Iterable[str], restricted: bool) -> bool:
    """The visibility rule, written here apart from the services: a unit sees what involves
    itself or a unit below it; head office sees everything; a province's supervision line and
    customer-service department see every unrestricted complaint of their province."""
    if caller not in ORG:
        return False
    if ORG.unit(caller).kind == "hq":
        return True
    involved = [u for u in involved if u in ORG]
    if any(ORG.is_self_or_above(caller, unit) for unit in involved):
        return True
    if restricted:
        return False
    unit = ORG.unit(caller)
    if unit.kind in ("supervision_line", "province_cs_department") and unit.parent:
        if ORG.unit(unit.parent).kind == "province":
            return any(ORG.is_self_or_above(unit.parent, u) for u in involved)
    return False


# --- times --------------------------------------------------------------------------------

ISO_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)


def times_in(value, path: str = "") -> list[tuple[str, str]]:
    """(path, text) of every string in a JSON value that is a date-time."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in times_in(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [t for i, v in enumerate(value) for t in times_in(v, f"{path}[{i}]")]
    if isinstance(value, str) and ISO_TIME.fullmatch(value):
        return [(path, value)]
    return []


def not_local(value, offset: str = "+08:00") -> list[tuple[str, str]]:
    """The date-times in a JSON value that are not given in `offset`."""
    return [
        (p, t)
        for p, t in times_in(value)
        if (match := ISO_TIME.fullmatch(t)) is None or match["offset"] != offset
    ]
