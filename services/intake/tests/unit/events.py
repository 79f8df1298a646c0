"""Events and envelopes for intake's unit tests: the demo organisation, a fixed clock."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.organisation import load_organisation
from intake.domain.personal_data import Contact, Registration

ORG = load_organisation(Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml")
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Kunming (+08:00)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# A master key for the tests (base64 of 32 bytes in production: CUSTOMER_MASTER_KEY).
MASTER_KEY = bytes(range(32))
MASTER_KEY_B64 = base64.b64encode(MASTER_KEY).decode()


def registration(unit: str = "YN-KM-01", when: datetime = T0, **overrides: Any) -> Registration:
    """A complaint as a unit registers it: the customer, the account in clear."""
    values: dict[str, Any] = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": unit,
        "business_line": "cards",
        "received_at": when,
        "customer": Contact(name="张三丰", phone="13800138000"),
        "summary": "card swallowed by the machine",
        "posted_by": unit,
    }
    return Registration(**(values | overrides))


def received(unit: str = "YN-KM-01", when: datetime = T0, **overrides: Any) -> c.ComplaintReceived:
    """The event as intake appends it: the customer masked (nothing sealed here)."""
    values: dict[str, Any] = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": unit,
        "business_line": "cards",
        "received_at": when,
        "customer": c.Customer(name="张**", phone="*******8000"),
        "posted_by": unit,
    }
    return c.ComplaintReceived(**(values | overrides))


def assigned(owner: str, **overrides: Any) -> r.ComplaintAssigned:
    values = {"owner_unit": owner, "handling_level": "branch", "rule": "r", "reason": "because"}
    return r.ComplaintAssigned(**(values | overrides))


def transferred(from_unit: str, to_unit: str) -> r.ComplaintTransferred:
    return r.ComplaintTransferred(from_unit=from_unit, to_unit=to_unit, reason="lines", rule="r")


def started(clock: str, owner: str, when: datetime, due: datetime) -> s.ClockStarted:
    return s.ClockStarted(
        clock=clock,
        owner_unit=owner,
        started_at=when,
        due_at=due,
        budget_seconds=int((due - when).total_seconds()),
        calendar="cn",
    )


def action(name: str, unit: str, when: datetime = T0, **data: Any) -> c.UnitAction:
    return c.UNIT_ACTIONS[name](unit=unit, at=when, posted_by=unit, **data)


def envelope(
    complaint_id: str,
    event: Event,
    when: datetime = T0,
    source: str = "/routing",
    event_id: str | None = None,
) -> Envelope:
    return Envelope(
        id=event_id or new_id(),
        source=source,
        type=event.type_name(),
        subject=complaint_id,
        time=when,
        data=event.model_dump(mode="json"),
    )
