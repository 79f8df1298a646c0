"""Intake's and the dashboard's read models of the same log agree on status, owner and stays.

Histories are generated as intake would accept them: each candidate action is kept only if the
shared authority rules allow it against intake's command state, interleaved with routing's
assignments (a repeated assignment to the same owner included), transfers and clocks. The log
is then folded by intake's projection (on its in-memory stores) and by the dashboard's fold.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.organisation import load_organisation
from complaints_shared.workflow import authority
from complaints_shared.workflow.lifecycle import ComplaintState, apply, from_json, stays
from dashboard.domain import fold as dashboard_fold
from dashboard.domain.model import Complaint
from intake.service_layer.projection import Projection
from intake.testing.fakes import FakeCommandStore, FakeViews

ORG = load_organisation(Path(__file__).parents[2] / "deploy" / "demo" / "organisation.yaml")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OWNERS = ("YN-KM-01", "YN-KM", "YN-SUP", "YN-CS", "YN-KM-02")
ACTORS = ("<owner>", "<above>", "YN-KM-01", "YN-DL", "YN-SUP", "YN")
DATA = {
    "transfer_requested": {"reason": "beyond authority"},
    "deadline_committed": {"committed_deadline": T0 + timedelta(days=3)},
    "classified": {"classification": "valid"},
    "resolved": {"reply": "refunded"},
    "return_visit_recorded": {"satisfaction": 4},
    "note": {"text": "called back"},
    "plan_decided": {"plan": "replace the card"},
    "handler_changed": {"handler": {"id": "e7", "name": "李"}},
}
RECORDABLE = [a for a in authority.ACTIONS if a in c.UNIT_ACTIONS]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("act"), st.sampled_from(RECORDABLE), st.sampled_from(ACTORS)),
        st.tuples(st.just("route"), st.sampled_from(OWNERS)),
        st.tuples(st.just("repeat")),
        st.tuples(st.just("clock"), st.sampled_from(("start", "resolve")), st.booleans()),
    ),
    max_size=30,
)


def _actor(actor: str, state: ComplaintState) -> str:
    owner = state.owner_unit or "YN-KM-01"
    if actor == "<owner>":
        return owner
    if actor == "<above>":
        return ORG.unit(owner).parent or owner
    return actor


def history(generated: list[tuple]) -> list[tuple[str, object, datetime]]:
    """(source, event, time) in log order, as intake, routing and the SLA monitor append."""
    received = c.ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit="YN-KM-01",
        business_line="cards",
        received_at=T0,
        customer=c.Customer(name="王小明", phone="13800138000"),
        summary="card swallowed",
        posted_by="YN-KM-01",
    )
    log = [("/intake", received, T0)]
    state = apply(ComplaintState(), received, T0)
    for index, step in enumerate(generated, start=1):
        at = T0 + timedelta(minutes=index)
        events: list[tuple[str, object]] = []
        if step[0] == "act":
            action, unit = step[1], _actor(step[2], state)
            data = DATA.get(action, {})
            if authority.decide(ORG, state, caller=unit, unit=unit, action=action, data=data):
                continue
            event = c.UNIT_ACTIONS[action](unit=unit, at=at, posted_by=unit, **data)
            events.append(("/intake", event))
        elif step[0] == "route" and state.owner_unit != step[1]:
            previous = state.owner_unit
            if previous is not None:
                events.append(("/routing", _transferred(previous, step[1])))
            events.append(("/routing", _assigned(step[1], previous)))
        elif step[0] == "repeat" and state.owner_unit is not None:
            events.append(("/routing", _assigned(state.owner_unit, None)))
        elif step[0] == "clock" and state.owner_unit is not None:
            events.append(("/sla-monitor", _clock(step[1], state.owner_unit, at, stop=step[2])))
        for source, event in events:
            state = apply(state, event, at)
            log.append((source, event, at))
    return log


def _assigned(owner: str, previous: str | None) -> r.ComplaintAssigned:
    return r.ComplaintAssigned(
        owner_unit=owner,
        handling_level="branch",
        rule="test",
        reason="test",
        previous_owner=previous,
    )


def _transferred(from_unit: str, to_unit: str) -> r.ComplaintTransferred:
    return r.ComplaintTransferred(from_unit=from_unit, to_unit=to_unit, reason="x", rule="test")


def _clock(clock: str, owner: str, at: datetime, *, stop: bool) -> s.Event:
    if stop:
        return s.ClockStopped(clock=clock, owner_unit=owner, outcome="met", stopped_at=at)
    return s.ClockStarted(
        clock=clock,
        owner_unit=owner,
        started_at=at,
        due_at=at + timedelta(hours=2),
        budget_seconds=7200,
        calendar="cn",
    )


async def _intake_view(log) -> tuple[dict, FakeViews]:
    views, commands = FakeViews(), FakeCommandStore()
    projection = Projection(ORG, stores=lambda _session: (views, commands))
    for source, event, at in log:
        envelope = Envelope(
            id=new_id(),
            source=source,
            type=event.type_name(),
            subject="C1",
            time=at,
            data=event.model_dump(mode="json"),
        )
        await projection.project(None, envelope, event)  # type: ignore[arg-type]
    return views.views["C1"], views


@settings(max_examples=150, deadline=None)
@given(steps)
def test_intake_and_dashboard_agree_on_status_owner_and_stays(generated):
    log = history(generated)
    view, _ = asyncio.run(_intake_view(log))
    complaint = Complaint("C1")
    for _source, event, at in log:
        complaint = dashboard_fold.apply(complaint, event, at)
    now = T0 + timedelta(days=1)
    assert view["status"] == complaint.status
    assert view["owner_unit"] == complaint.owner_unit
    intake_stays = stays(from_json(view["state"]), now)
    assert intake_stays == stays(complaint.state, now)
    units = [stay.unit for stay in intake_stays]
    assert all(a != b for a, b in zip(units, units[1:], strict=False)), "X, X is one stay"


def test_owners_x_x_y_are_two_stays():
    log = history([("route", "YN-KM-01"), ("repeat",), ("route", "YN-KM")])
    view, _ = asyncio.run(_intake_view(log))
    assert [stay.unit for stay in stays(from_json(view["state"]), T0)] == ["YN-KM-01", "YN-KM"]
    assert view["status"] == "assigned"
