"""The notifier's handlers on the in-memory stores (`notifier.testing.fakes`): no database.

`handlers` is a `Harness`: the demo organisation, email configured (each demo unit has one
contact with one email address, so one alert per unit told), a rate limit of 3 per 10 minutes,
escalation steps (0, 30 min, 2 h), and a clock the test sets. With --import-mode=importlib test
modules cannot import this file, so helpers are fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.organisation import load_organisation
from notifier.config import NotifierSettings
from notifier.domain.policy import RateLimit
from notifier.service_layer.handlers import NotifierHandlers
from notifier.service_layer.recording import AlertBook
from notifier.testing.fakes import FakeTables

ORG = load_organisation(Path(__file__).parents[4] / "deploy" / "demo" / "organisation.yaml")
AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
NO_SESSION = cast(AsyncSession, None)  # the fake stores ignore the consumer's session


@dataclass
class Harness:
    tables: FakeTables = field(default_factory=FakeTables)
    now: datetime = AT

    def __post_init__(self) -> None:
        settings = NotifierSettings(
            smtp_host="smtp.test",
            public_base_url="https://complaints.test",
            alert_escalation_after_seconds=(0.0, 1800.0, 7200.0),
            alert_language="en",
        )
        book = AlertBook(RateLimit(messages=3, window=timedelta(minutes=10)))
        self.handlers = NotifierHandlers(
            ORG, settings, book, self.tables.stores, now=lambda: self.now
        )

    async def handle(
        self, complaint_id: str, event: Event, *, time: datetime | None = None, **more: Any
    ) -> Envelope:
        """Run the handler registered for `event` as the consumer would; return its envelope."""
        envelope = Envelope(
            id=more.get("event_id") or new_id(),
            source="/tests",
            type=event.type_name(),
            subject=complaint_id,
            time=time or self.now,
            data=event.model_dump(mode="json"),
        )
        await self.handlers.registry()[type(event)](NO_SESSION, envelope, event)
        return envelope

    def alerts(self, complaint_id: str) -> list[dict[str, Any]]:
        return self.tables.alerts_of(complaint_id)

    def told(self, complaint_id: str) -> list[tuple[str, str, str]]:
        """(unit, role, status) of every alert of the complaint, in recording order."""
        return [(a["recipient_unit"], a["role"], a["status"]) for a in self.alerts(complaint_id)]

    def delivery_of(self, alert: dict[str, Any]) -> dict[str, Any]:
        return self.tables.deliveries[alert["delivery_id"]]


@pytest.fixture
def harness() -> Harness:
    return Harness()


@pytest.fixture
def new_harness() -> type[Harness]:
    """Makes fresh harnesses: a property test needs one per example."""
    return Harness


def received(unit: str = "YN-KM-01", flags: tuple[str, ...] = ()) -> c.ComplaintReceived:
    return c.ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit=unit,
        business_line="cards",
        received_at=AT,
        flags=list(flags),
        customer=c.Customer(name="王**", phone="*********8000"),
        summary="s",
        posted_by=unit,
    )


@pytest.fixture(name="received")
def received_fixture() -> Any:
    return received
