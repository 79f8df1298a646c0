"""The dispatcher's decisions on the fake delivery store: what it sends, and what it records
when a channel takes the message, fails for now, or fails for good. No database: sessions are
stand-ins (the fake stores ignore them) and the outbox records what is appended."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from complaints_shared.contracts.envelope import derived_id
from notifier.adapters.alert_store import NewAlert, NewDelivery
from notifier.adapters.transports import DeliveryError, Outgoing
from notifier.domain.policy import Retry
from notifier.service_layer.dispatcher import Dispatcher
from notifier.testing.fakes import FakeAlertStore, FakeTables

AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)


class StandInSessions:
    """Stands in for an `async_sessionmaker`: `sessions()` and `sessions.begin()`."""

    def __call__(self) -> contextlib.AbstractAsyncContextManager[None]:
        return contextlib.nullcontext()

    def begin(self) -> contextlib.AbstractAsyncContextManager[None]:
        return contextlib.nullcontext()


class RecordingOutbox:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.raw: list[dict[str, Any]] = []

    async def append(self, session: Any, envelopes: Any) -> None:
        self.events += list(envelopes)

    async def append_raw(self, session: Any, **record: Any) -> None:
        self.raw.append(record)


class Channel:
    """A transport that records what it is given and fails as told."""

    timeout = 1.0

    def __init__(self, error: DeliveryError | None = None) -> None:
        self.sent: list[Outgoing] = []
        self.error = error

    async def send(self, message: Outgoing) -> None:
        self.sent.append(message)
        if self.error is not None:
            raise self.error


class StandInTransports:
    def __init__(self, **by_channel: Channel) -> None:
        self.by_channel = by_channel

    def get(self, channel: str) -> Channel | None:
        return self.by_channel.get(channel)


async def seed(
    tables: FakeTables, delivery_id: str, alerts: int = 1, expires: tuple[Any, ...] = ()
) -> None:
    """A delivery of `alerts` warnings; the n-th expires at `expires[n]` (else never)."""
    store = FakeAlertStore(tables)
    kind = "single" if alerts == 1 else "digest"
    await store.add_delivery(
        NewDelivery(
            delivery_id, kind, "webhook", "https://hooks.example/a", "h***", "YN-KM", "en", AT
        )
    )
    for n in range(alerts):
        alert_id = f"{delivery_id}/{n}"
        await store.add_alert(
            NewAlert(
                alert_id=alert_id,
                complaint_id=f"c-{n}",
                cause_event_id=f"e-{n}",
                cause_type="sla.warning",
                recipient_unit="YN-KM",
                channel="webhook",
                recipient="h***",
                message=f"body {n}",
                subject=f"subject {n}",
                role="owner",
                clock="resolve",
                language="en",
                scheduled_for=None,
                correlation_id=f"corr-{n}",
                trace={},
                expires_at=expires[n] if n < len(expires) else None,
            )
        )
        await store.attach(alert_id, delivery_id, folded=alerts > 1)


async def dispatch(
    tables: FakeTables, channel: Channel | None, outbox: RecordingOutbox
) -> Dispatcher:
    transports = StandInTransports(webhook=channel) if channel else StandInTransports()
    dispatcher = Dispatcher(
        sessions=StandInSessions(),
        deliveries=tables.delivery_store,
        outbox=outbox,
        transports=transports,
        database_url="unused",
        retry=Retry(max_attempts=2, base=10.0, cap=60.0),
        public_base_url="https://complaints.test/",
        now=lambda: AT,
        jitter=lambda: 0.0,
    )
    assert await dispatcher.dispatch_due() == 1
    await asyncio.gather(*dispatcher._inflight)
    return dispatcher


def statuses(tables: FakeTables) -> dict[str, tuple[str, int]]:
    return {a: (row["status"], row["attempts"]) for a, row in tables.alerts.items()}


async def test_a_delivery_that_goes_out_is_sent_with_its_event():
    tables, outbox, channel = FakeTables(), RecordingOutbox(), Channel()
    await seed(tables, "d-1")
    await dispatch(tables, channel, outbox)
    [message] = channel.sent
    assert (message.subject, message.body) == ("subject 0", "body 0")
    assert message.link == "https://complaints.test/v1/complaints/c-0"
    assert statuses(tables) == {"d-1/0": ("sent", 1)}
    [event] = outbox.events
    assert event.id == derived_id("d-1/0", "notification.sent.v1")
    assert event.causation_id == "e-0" and event.correlation_id == "corr-0"
    assert event.time == AT and outbox.raw == []


async def test_a_digest_lists_every_alert_it_carries():
    tables, outbox, channel = FakeTables(), RecordingOutbox(), Channel()
    await seed(tables, "digest", alerts=2)
    await dispatch(tables, channel, outbox)
    [message] = channel.sent
    assert message.link is None and "2" in message.subject
    assert [a["alert_id"] for a in message.alerts] == ["digest/0", "digest/1"]
    assert "subject 1 https://complaints.test/v1/complaints/c-1" in message.body
    assert len(outbox.events) == 2


async def test_a_failure_for_now_is_retried_after_the_backoff():
    tables, outbox = FakeTables(), RecordingOutbox()
    await seed(tables, "d-1")
    await dispatch(tables, Channel(DeliveryError("webhook timed out", permanent=False)), outbox)
    assert statuses(tables) == {"d-1/0": ("pending", 1)}
    assert tables.alerts["d-1/0"]["reason"] == "webhook timed out"
    # Equal jitter at 0: half of the first delay (10 s).
    assert tables.deliveries["d-1"]["next_attempt_at"] == AT + timedelta(seconds=5)
    assert outbox.events == [] and outbox.raw == []


async def test_a_permanent_failure_fails_the_alert_with_a_dead_letter():
    tables, outbox = FakeTables(), RecordingOutbox()
    await seed(tables, "d-1")
    await dispatch(
        tables, Channel(DeliveryError("webhook answered HTTP 410", permanent=True)), outbox
    )
    assert statuses(tables) == {"d-1/0": ("failed", 1)}
    [event] = outbox.events
    assert event.type == "notification.failed.v1"
    assert event.data["reason"] == "webhook answered HTTP 410"
    [dead] = outbox.raw
    assert dead["event_id"] == "dead-letter:notifier-dispatcher:d-1/0"


async def test_the_last_attempt_gives_up():
    tables, outbox = FakeTables(), RecordingOutbox()
    await seed(tables, "d-1")
    tables.deliveries["d-1"]["attempts"] = 1  # max_attempts is 2: this claim is the last
    await dispatch(tables, Channel(DeliveryError("webhook timed out", permanent=False)), outbox)
    assert tables.alerts["d-1/0"]["reason"] == "gave up: webhook timed out"
    assert statuses(tables) == {"d-1/0": ("failed", 2)}


async def test_a_channel_not_configured_fails_for_good():
    tables, outbox = FakeTables(), RecordingOutbox()
    await seed(tables, "d-1")
    await dispatch(tables, None, outbox)
    assert tables.alerts["d-1/0"]["reason"] == "channel webhook is not configured"
    assert len(outbox.raw) == 1


async def test_a_warning_whose_due_time_has_passed_is_superseded_not_sent():
    tables, outbox, channel = FakeTables(), RecordingOutbox(), Channel()
    await seed(tables, "d-1", expires=(AT,))  # its clock is due as it would go out
    await dispatch(tables, channel, outbox)
    assert channel.sent == [] and outbox.events == [] and outbox.raw == []
    assert tables.alerts["d-1/0"]["status"] == "superseded"
    assert tables.alerts["d-1/0"]["reason"] == "its clock was due before it went out"
    assert tables.deliveries["d-1"]["status"] == "superseded"
    assert tables.deliveries["d-1"]["finished_at"] == AT


async def test_a_digest_sends_only_the_warnings_still_ahead_of_their_due_time():
    tables, outbox, channel = FakeTables(), RecordingOutbox(), Channel()
    await seed(tables, "digest", alerts=2, expires=(AT - timedelta(minutes=1), AT + timedelta(1)))
    await dispatch(tables, channel, outbox)
    [message] = channel.sent
    assert [a["alert_id"] for a in message.alerts] == ["digest/1"]
    assert statuses(tables) == {"digest/0": ("superseded", 0), "digest/1": ("sent", 1)}
    assert tables.deliveries["digest"]["status"] == "sent"
    assert [event.subject for event in outbox.events] == ["c-1"]
