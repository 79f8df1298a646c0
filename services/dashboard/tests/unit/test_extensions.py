"""Deadline extensions in the figures: the resolve clock judged against its extended due time,
requests counted by outcome, on time only thanks to an extension counted as such.

The expected figures come from the seeded events alone (`_oracle`), not from the fold."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from dashboard.domain.fold import apply
from dashboard.domain.model import Complaint
from dashboard.domain.scope import grouper, resolve_scope
from dashboard.domain.summary import FigureQuery
from dashboard.entrypoints.csv_format import summary_rows
from dashboard.service_layer.projection import DashboardProjection
from dashboard.service_layer.queries import DashboardQueries
from dashboard.testing.fakes import FakeProjection

from .events import (
    T0,
    action,
    assigned,
    at,
    breached,
    decided,
    fold,
    received,
    requested,
    rescheduled,
    started,
    stopped,
)
from .org import ORG

NO_SESSION = cast(AsyncSession, None)
Step = tuple[Event, datetime, str]


def _opened(cid: str, unit: str) -> list[Step]:
    return [
        (received(unit), T0, f"{cid}-received"),
        (assigned(unit), T0, f"{cid}-assigned"),
        (action(c.ComplaintAccepted, unit, at(1)), at(1), f"{cid}-accepted"),
        (started("resolve", unit, T0, at(100)), T0, f"{cid}-started"),
    ]


def _resolved(cid: str, unit: str, when: datetime, *, late: bool = False) -> list[Step]:
    return [
        (action(c.Resolved, unit, when, reply="done"), when, f"{cid}-resolved"),
        (stopped("resolve", unit, when, late=late), when, f"{cid}-stopped"),
    ]


K1, K2 = "YN-KM-01", "YN-KM-02"
SEEDS: dict[str, list[Step]] = {
    # approved before the deadline, resolved after it but before the new one
    "A": [
        *_opened("A", K1),
        (requested(K1, at(50), at(200)), at(50), "A-r1"),
        (decided("YN-SUP", at(60), "A-r1", "approved"), at(60), "A-d1"),
        (rescheduled("resolve", K1, at(100), at(200)), at(60), "A-moved"),
        *_resolved("A", K1, at(150)),
    ],
    # the breach at the first deadline fired before the approval: on time all the same
    "B": [
        *_opened("B", K1),
        (requested(K1, at(90), at(300)), at(90), "B-r1"),
        (breached("resolve", K1, at(100)), at(100), "B-breach"),
        (decided("YN-KM", at(110), "B-r1", "approved"), at(110), "B-d1"),
        (rescheduled("resolve", K1, at(100), at(300)), at(110), "B-moved"),
        *_resolved("B", K1, at(200), late=True),
    ],
    # refused, resolved in time
    "C": [
        *_opened("C", K2),
        (requested(K2, at(50), at(200)), at(50), "C-r1"),
        (decided("YN-SUP", at(60), "C-r1", "refused"), at(60), "C-d1"),
        *_resolved("C", K2, at(90)),
    ],
    # still waiting for a decision
    "D": [*_opened("D", K2), (requested(K2, at(50), at(200)), at(50), "D-r1")],
    # extended, and late all the same
    "E": [
        *_opened("E", K1),
        (requested(K1, at(20), at(200)), at(20), "E-r1"),
        (decided("YN-SUP", at(30), "E-r1", "approved"), at(30), "E-d1"),
        (rescheduled("resolve", K1, at(100), at(200)), at(30), "E-moved"),
        (breached("resolve", K1, at(200)), at(200), "E-breach"),
        *_resolved("E", K1, at(250), late=True),
    ],
    # handed off while pending (cancelled), then the new owner asks again
    "F": [
        *_opened("F", K2),
        (requested(K2, at(30), at(200)), at(30), "F-r1"),
        (assigned(K1, previous_owner=K2), at(35), "F-handoff"),
        (requested(K1, at(40), at(200)), at(40), "F-r2"),
    ],
    # extended, but resolved before the first deadline anyway
    "G": [
        *_opened("G", K1),
        (requested(K1, at(20), at(200)), at(20), "G-r1"),
        (decided("YN-SUP", at(30), "G-r1", "approved"), at(30), "G-d1"),
        (rescheduled("resolve", K1, at(100), at(200)), at(30), "G-moved"),
        *_resolved("G", K1, at(80)),
    ],
}
FIGURES = (
    "extended_complaints",
    "requested",
    "pending",
    "approved",
    "refused",
    "cancelled",
    "on_time_extended",
)


def _oracle(seeds: dict[str, list[Step]]) -> dict[str, Any]:
    """From the events: extension figures per owner unit (every owner here is an outlet, the
    rows of a branch scope) and in all, and the resolve clock's on-time counts per owner."""
    rows: dict[str, dict[str, int]] = {}
    total = dict.fromkeys(FIGURES, 0)
    on_time: dict[str, dict[str, int]] = {}
    for steps in seeds.values():
        requests: dict[str, list[str]] = {}  # id -> [unit, outcome]
        pending: str | None = None
        owner = due = first_due = stopped_at = None
        extended = breached_after = False
        for event, _, event_id in steps:
            if isinstance(event, c.ExtensionRequested):
                requests[event_id], pending = [event.unit, "pending"], event_id
            elif isinstance(event, c.ExtensionDecided) and event.request_id == pending:
                requests[pending][1], pending = event.decision, None
            elif isinstance(event, c.Resolved) or (
                getattr(event, "previous_owner", None) and event.owner_unit != owner  # type: ignore[attr-defined]
            ):
                if pending:
                    requests[pending][1], pending = "cancelled", None
            if getattr(event, "NAME", "") == "complaint.assigned":
                owner = event.owner_unit  # type: ignore[attr-defined]
            if isinstance(event, s.ClockStarted):
                due = first_due = event.due_at
            elif isinstance(event, s.ClockRescheduled):
                due, extended = event.due_at, True
            elif isinstance(event, s.SlaBreached) and extended:
                breached_after = True
            elif isinstance(event, s.ClockStopped):
                stopped_at = event.stopped_at
        for unit, outcome in requests.values():
            for counts in (rows.setdefault(unit, dict.fromkeys(FIGURES, 0)), total):
                counts["requested"] += 1
                counts[outcome] += 1
        approvers = {unit for unit, outcome in requests.values() if outcome == "approved"}
        for unit in approvers:
            rows[unit]["extended_complaints"] += 1
        total["extended_complaints"] += bool(approvers)
        if stopped_at is not None and owner is not None:
            assert due is not None and first_due is not None
            good = stopped_at <= due and not (breached_after and stopped_at > due)
            verdict = on_time.setdefault(owner, {"on_time": 0, "late": 0})
            verdict["on_time" if good else "late"] += 1
            if good and extended and stopped_at > first_due:
                rows[owner]["on_time_extended"] += 1
                total["on_time_extended"] += 1
    return {"rows": rows, "total": total, "on_time": on_time}


async def _seeded() -> FakeProjection:
    store = FakeProjection()
    handler = DashboardProjection(store.stores)
    for cid, steps in SEEDS.items():
        for event, when, event_id in steps:
            envelope = Envelope(
                id=event_id,
                source="/dashboard-tests",
                type=event.type_name(),
                subject=cid,
                time=when,
                data=event.model_dump(mode="json"),
            )
            await handler.project(NO_SESSION, envelope, event)
    return store


def _query(unit: str = "YN-KM") -> FigureQuery:
    scope = resolve_scope(ORG, "YN", unit)
    return FigureQuery(scope=scope, first=date(2026, 11, 23), last=date(2026, 11, 23), now=at(400))


async def test_extension_figures_equal_those_computed_from_the_events():
    store = await _seeded()
    summary = await DashboardQueries(ORG, store.reading).summary(_query())
    expected = _oracle(SEEDS)

    figures = summary["extensions"]
    assert figures["total"] == expected["total"]
    assert {r["key"]: {k: r[k] for k in FIGURES} for r in figures["rows"]} == expected["rows"]
    assert [r["key"] for r in figures["rows"]] == [K1, K2]  # the organisation's order
    resolve = {r["key"]: r["clocks"]["resolve"] for r in summary["on_time"]["rows"]}
    assert {k: {"on_time": v["on_time"], "late": v["late"]} for k, v in resolve.items()} == (
        expected["on_time"]
    )
    # spelled out, so that the oracle cannot agree with the fold by accident
    assert figures["total"] == {
        "extended_complaints": 4,  # A, B, E, G
        "requested": 8,
        "pending": 2,  # D, F's second
        "approved": 4,
        "refused": 1,
        "cancelled": 1,  # F's first, by the hand-off
        "on_time_extended": 2,  # A, B
    }
    assert resolve[K1] == {"on_time": 3, "late": 1, "rate": 0.75}  # A, B, G on time; E late

    rows = [r for r in summary_rows(summary) if r["section"] == "extensions"]
    assert {"dimension": "total", "metric": "approved", "value": 4}.items() <= next(
        r for r in rows if r["dimension"] == "total" and r["metric"] == "approved"
    ).items()
    assert {(r["key"], r["metric"]) for r in rows if r["dimension"] == "unit"} == {
        (unit, metric) for unit in (K1, K2) for metric in FIGURES
    }


async def test_a_province_groups_extensions_by_branch():
    store = await _seeded()
    summary = await DashboardQueries(ORG, store.reading).summary(_query("YN"))
    rows = {r["key"]: r for r in summary["extensions"]["rows"]}
    assert list(rows) == ["YN-KM"]
    # a complaint counts once per group: F's two requests came from both outlets of YN-KM
    assert rows["YN-KM"]["requested"] == 8 and rows["YN-KM"]["extended_complaints"] == 4
    group = grouper(ORG, "YN")
    assert group(K1) == group(K2) == "YN-KM"


def test_an_extended_run_keeps_its_first_deadline_and_lifts_the_earlier_breach():
    complaint = _fold("B")
    run = complaint.latest_run("resolve")
    assert run is not None
    assert (run.extensions, run.original_due_at, run.due_at) == (1, at(100), at(300))
    assert not run.breached and run.late  # the SLA monitor's word on the stop is kept
    assert run.verdict == "on_time" and run.on_time_by_extension
    assert complaint.extended
    assert [(r.request_id, r.outcome) for r in complaint.extension_requests] == [
        ("B-r1", "approved")
    ]
    assert complaint.extension_requests[0].applied


def test_a_reschedule_by_a_policy_change_is_no_extension():
    steps = [
        *SEEDS["D"][:-1],
        (
            rescheduled("resolve", K2, at(100), at(120)).model_copy(
                update={"reason": "clock policy or calendar changed"}
            ),
            at(10),
            "D-policy",
        ),
    ]
    run = _fold_steps(steps).latest_run("resolve")
    assert run is not None and run.extensions == 0 and run.due_at == at(120)


def test_without_an_event_id_the_fold_still_follows_requests():
    complaint = fold(
        received(K1),
        (assigned(K1), T0),
        (requested(K1, at(5), at(200)), at(5)),
    )
    assert [(r.outcome, r.unit) for r in complaint.extension_requests] == [("pending", K1)]


def _fold(cid: str) -> Complaint:
    return _fold_steps(SEEDS[cid], cid)


def _fold_steps(steps: list[Step], cid: str = "C1") -> Complaint:
    complaint = Complaint(cid)
    for event, when, event_id in steps:
        complaint = apply(complaint, event, when, event_id)
    return complaint
