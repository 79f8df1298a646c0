"""`RoutingHandlers` on the in-memory fakes: what each message stores and appends, no database.

The SQL store behaves as the fake does: both pass the same contract suite
(services/routing/tests/integration/test_route_store_contract.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.organisation import load_organisation
from routing.adapters.repository import RouteState
from routing.domain.rules import RoutingFacts
from routing.service_layer.handlers import SOURCE, RoutingHandlers
from routing.testing.fakes import NO_SESSION, FakeOutbox, FakeRouteStore

DEMO = Path(__file__).resolve().parents[4] / "deploy" / "demo" / "organisation.yaml"
ORG = load_organisation(DEMO)
T0 = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
COMPLAINT = "C-1"

ASSIGNED = r.ComplaintAssigned.type_name()
REPORTED = r.ComplaintReported.type_name()
TRANSFERRED = r.ComplaintTransferred.type_name()
REJECTED = r.TransferRejected.type_name()
ESCALATED = r.ComplaintEscalated.type_name()


class Routing:
    """The handlers wired to the fakes, and what they stored and appended."""

    def __init__(self) -> None:
        self.routes = FakeRouteStore()
        self.outbox = FakeOutbox()
        self.handlers = RoutingHandlers(ORG, self.outbox, routes=self.routes.stores)

    async def handle(self, event: Event, *, cause: Envelope | None = None) -> Envelope:
        """Deliver `event` (or redeliver `cause`) as the consumer would; returns its envelope."""
        envelope = cause or Envelope(
            id=new_id(),
            source="/routing-tests",
            type=event.type_name(),
            subject=COMPLAINT,
            time=T0,
            data=event.model_dump(mode="json"),
            correlation_id="K-1",
        )
        await self.handlers.registry()[type(event)](NO_SESSION, envelope, event)
        return envelope

    def appended(self, type_: str) -> list[dict[str, Any]]:
        return [e.data for e in self.outbox.envelopes if e.type == type_]

    async def state(self) -> RouteState | None:
        return await self.routes.lock(COMPLAINT)


def received(unit: str, channel: str = "on_site", **more: Any) -> c.ComplaintReceived:
    return c.ComplaintReceived.model_validate(
        {
            "kind": "complaint",
            "channel": channel,
            "receiving_unit": unit,
            "business_line": "cards",
            "received_at": T0,
            "customer": {"name": "Li Lei", "phone": "+86 139 0000 0000"},
            "summary": "the card was swallowed",
            "posted_by": "clerk",
            **more,
        }
    )


def transfer(unit: str, reason: str, to_unit: str | None = None) -> c.TransferRequested:
    return c.TransferRequested(unit=unit, at=T0, posted_by="clerk", reason=reason, to_unit=to_unit)


def breached(clock: str, owner: str) -> s.SlaBreached:
    return s.SlaBreached.model_validate(
        {"clock": clock, "owner_unit": owner, "due_at": T0 + timedelta(hours=2)}
    )


@pytest.fixture
def routing() -> Routing:
    return Routing()


# -- a received complaint gets its first owner ------------------------------------------------
async def test_a_received_complaint_is_assigned_and_its_receipt_reported(routing):
    await routing.handle(received("YN-KM-HOT", channel="hotline"))

    assert routing.outbox.types() == [ASSIGNED, REPORTED]
    [assigned] = routing.appended(ASSIGNED)
    assert assigned["owner_unit"] == "YN-KM-AST"
    assert assigned["handling_level"] == "branch"
    assert assigned["rule"] == "hotline_hand_on"
    assert assigned["previous_owner"] is None
    assert assigned["reported_to"] == ["YN-KM-SUP"]
    assert [rule["rule"] for rule in assigned["considered"]][:2] == [
        "discipline_office",
        "media_exposure",
    ]
    assert routing.appended(REPORTED) == [
        {"to_unit": "YN-KM-SUP", "by_unit": "YN-KM-HOT", "reason": "hotline_hand_on"}
    ]
    assert await routing.state() == RouteState(
        facts=RoutingFacts("complaint", "hotline", "YN-KM-HOT", "cards"),
        owner_unit="YN-KM-AST",
        handling_level="branch",
        history=("YN-KM-AST",),
        restricted=False,
    )


async def test_the_events_derive_from_their_cause(routing):
    cause = await routing.handle(received("YN-KM-HOT", channel="hotline"))

    for envelope in routing.outbox.envelopes:
        assert envelope.source == SOURCE
        assert envelope.subject == COMPLAINT
        assert envelope.time == cause.time
        assert envelope.causation_id == cause.id
        assert envelope.correlation_id == "K-1"
    assert len({e.id for e in routing.outbox.envelopes}) == 2


async def test_a_redelivered_event_appends_the_same_ids(routing):
    event = received("YN-KM-HOT", channel="hotline")
    cause = await routing.handle(event)
    first = [e.id for e in routing.outbox.envelopes]
    await routing.handle(event, cause=cause)
    assert [e.id for e in routing.outbox.envelopes] == first


async def test_a_major_liability_case_is_restricted_and_reported_up(routing):
    await routing.handle(received("YN-KM-01", flags=("major_liability",)))

    [assigned] = routing.appended(ASSIGNED)
    assert assigned["restricted"] is True
    assert {e["to_unit"] for e in routing.appended(REPORTED)} == {"YN", "HQ-QSG"}
    state = await routing.state()
    assert state is not None and state.restricted


# -- transfers --------------------------------------------------------------------------------
async def test_an_accepted_transfer_moves_the_owner_and_says_so(routing):
    await routing.handle(received("YN-KM-01"))
    routing.outbox.envelopes.clear()

    await routing.handle(transfer("YN-KM-01", "beyond_authority"))

    assert routing.outbox.types() == [TRANSFERRED, ASSIGNED]
    assert routing.appended(TRANSFERRED) == [
        {
            "from_unit": "YN-KM-01",
            "to_unit": "YN-KM",
            "reason": "beyond_authority",
            "rule": "transfer_beyond_authority",
            "requested_by": "YN-KM-01",
        }
    ]
    [assigned] = routing.appended(ASSIGNED)
    assert (assigned["owner_unit"], assigned["previous_owner"]) == ("YN-KM", "YN-KM-01")
    state = await routing.state()
    assert state is not None
    assert (state.owner_unit, state.handling_level) == ("YN-KM", "branch")
    assert state.history == ("YN-KM-01", "YN-KM")


async def test_a_line_receiving_a_transfer_reports_it(routing):
    await routing.handle(received("YN-KM-01"))
    routing.outbox.envelopes.clear()

    await routing.handle(transfer("YN-KM-01", "wrong_line", to_unit="YN-KM-AST"))

    assert routing.outbox.types() == [TRANSFERRED, ASSIGNED, REPORTED]
    assert routing.appended(REPORTED) == [
        {"to_unit": "YN-KM-SUP", "by_unit": "YN-KM-01", "reason": "transfer_to_unit"}
    ]


async def test_a_restricted_case_stays_restricted_after_a_transfer(routing):
    await routing.handle(received("YN-KM-01", flags=("major_liability",)))
    await routing.handle(transfer("YN-KM-01", "beyond_authority"))
    state = await routing.state()
    assert state is not None and state.owner_unit == "YN-KM" and state.restricted


async def test_a_refused_transfer_is_recorded_and_changes_nothing(routing):
    await routing.handle(received("YN-KM-01"))
    before = await routing.state()
    routing.outbox.envelopes.clear()

    await routing.handle(transfer("YN-DL", "beyond_authority", to_unit="YN-KM"))

    assert routing.outbox.types() == [REJECTED]
    [rejected] = routing.appended(REJECTED)
    assert rejected["rule"] == "not_owner"
    assert (rejected["requested_by"], rejected["to_unit"]) == ("YN-DL", "YN-KM")
    assert rejected["reason"]
    assert await routing.state() == before


async def test_a_transfer_of_an_unknown_complaint_is_refused(routing):
    await routing.handle(transfer("YN-KM-01", "beyond_authority"))

    assert routing.appended(REJECTED) == [
        {
            "requested_by": "YN-KM-01",
            "to_unit": None,
            "reason": "routing has no record of this complaint",
            "rule": "unknown_complaint",
        }
    ]
    assert await routing.state() is None


async def test_the_transfer_count_runs_over_the_stored_history(routing):
    await routing.handle(received("YN-KM-01"))
    for _ in range(6):
        state = await routing.state()
        assert state is not None
        await routing.handle(transfer(state.owner_unit, "beyond_authority"))
    state = await routing.state()
    assert state is not None
    assert state.history == ("YN-KM-01", "YN-KM", "YN-CARDS", "YN-SUP", "HQ-QSG")
    [*_, last] = routing.appended(REJECTED)
    assert last["rule"] == "no_target"


# -- breaches are escalated -------------------------------------------------------------------
@pytest.mark.parametrize("clock", ["start", "investigate", "resolve", "committed"])
async def test_a_breach_of_the_owners_deadline_is_escalated(routing, clock):
    await routing.handle(breached(clock, "YN-KM-01"))

    assert routing.appended(ESCALATED) == [
        {
            "from_unit": "YN-KM-01",
            "to_unit": "YN-KM",
            "clock": clock,
            "reason": f"the {clock} clock of YN-KM-01 breached at 2026-11-18T11:30:00+00:00",
        }
    ]
    assert await routing.state() is None  # the owner keeps the complaint


@pytest.mark.parametrize(
    ("clock", "owner"),
    [
        pytest.param("transfer", "YN-KM-01", id="a clock that is alerted, not escalated"),
        pytest.param("customer", "YN-KM-01", id="the customer's clock"),
        pytest.param("resolve", "NOWHERE", id="an owner not in the organisation"),
        pytest.param("resolve", "HQ-QSG", id="nobody above HQ"),
    ],
)
async def test_breaches_that_are_not_escalated(routing, clock, owner):
    await routing.handle(breached(clock, owner))
    assert routing.outbox.envelopes == []


def test_the_handlers_listen_to_received_transfer_requests_and_breaches(routing):
    assert set(routing.handlers.registry()) == {
        c.ComplaintReceived,
        c.TransferRequested,
        s.SlaBreached,
    }


async def test_a_breach_attributed_to_a_handler_is_escalated_alike(routing):
    """The handler an `sla.breached` names is the SLA monitor's attribution; the escalation
    goes to the owner's supervisor all the same."""
    event = s.SlaBreached.model_validate(
        {
            "clock": "investigate",
            "owner_unit": "YN-KM-01",
            "due_at": T0 + timedelta(hours=2),
            "handler": {"id": "u-7", "name": "Li"},
        }
    )
    await routing.handle(event)
    [escalated] = routing.appended(ESCALATED)
    assert (escalated["clock"], escalated["to_unit"]) == ("investigate", "YN-KM")
