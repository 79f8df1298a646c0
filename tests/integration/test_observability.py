"""Traces and metrics on real PostgreSQL and a real broker, traces read back from a real
OTLP/HTTP receiver: a request writes an outbox row, the relay sends it, a consumer applies it;
the hops are linked and every span names the complaint. Metrics move when things go wrong."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry import trace
from prometheus_client import REGISTRY
from sqlalchemy import text

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.complaint_events import ComplaintAccepted
from complaints_shared.contracts.envelope import Envelope, to_kafka
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.messaging.consumer import LogConsumer
from complaints_shared.messaging.inbox import Inbox
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.runtime import create_service_app
from complaints_shared.settings import ServiceSettings
from complaints_shared.telemetry import COMPLAINT_ID, CONVERSATION_ID
from complaints_shared.testing.kafka import produce_raw
from complaints_shared.testing.otlp import OtlpReceiver, ReceivedSpan, exporting_to

pytestmark = pytest.mark.integration


@pytest.fixture
def otlp() -> Iterator[OtlpReceiver]:
    """Listed before `db` in a test, so that its engine is made after tracing is set up."""
    with OtlpReceiver() as receiver, exporting_to(receiver):
        yield receiver


def accepted(envelope, complaint_id: str) -> Envelope:
    data = {"unit": "YN-DL", "at": "2026-11-18T10:00:00+08:00", "posted_by": "clerk"}
    return envelope(complaint_id, data, type_=ComplaintAccepted.type_name())


def consumer_for(db, bootstrap: str, group: str, handler) -> LogConsumer:
    return LogConsumer(
        service=group,
        settings=ServiceSettings(kafka_bootstrap_servers=bootstrap),
        sessions=db.sessions,
        outbox=Outbox(db.outbox),
        inbox=Inbox(db.processed, group),
        handlers={Event: handler},
        group_id=group,
    )


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def about(cid: str):
    return lambda span: span.attributes.get(CONVERSATION_ID) == cid


async def flushed_spans(otlp: OtlpReceiver, cid: str, name: str) -> list[ReceivedSpan]:
    provider = trace.get_tracer_provider()
    await asyncio.to_thread(provider.force_flush)  # type: ignore[attr-defined]
    return otlp.received(lambda s: about(cid)(s) and s.name == name)


async def test_a_complaint_is_traced_from_the_request_through_the_log_to_its_handler(
    otlp, db, broker, start_relay, background, eventually, envelope
):
    cid = str(uuid.uuid4())
    service = f"traced-{uuid.uuid4().hex[:8]}"
    outbox = Outbox(db.outbox)

    async def noop(_app) -> None:
        return None

    app = create_service_app(title="t", description="", startup=noop, shutdown=noop)

    @app.post("/complaints/{complaint_id}/acceptance", status_code=202)
    async def accept(complaint_id: str) -> dict[str, str]:
        async with db.sessions.begin() as session:
            await outbox.append(session, [accepted(envelope, complaint_id)])
        async with httpx.AsyncClient() as client:  # an outgoing call, traced too
            await client.get(f"{otlp.endpoint}/ping")
        return {"ok": "yes"}

    applied: list[str] = []

    async def handler(session, env, _event) -> None:
        await session.execute(text("SELECT 1"))
        applied.append(env.subject)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        answer = await client.post(f"/complaints/{cid}/acceptance?phone=13800000000")
    assert answer.status_code == 202
    start_relay(db, broker.bootstrap, service=service, poll=0.2)
    background(consumer_for(db, broker.bootstrap, service, handler).run())
    await eventually(lambda: cid in applied, what="the event applied")
    (process,) = await eventually(lambda: flushed_spans(otlp, cid, "process complaint-events"))

    spans = otlp.received(about(cid))
    (server,) = [s for s in spans if s.kind == "server"]
    assert server.name == "POST /complaints/{complaint_id}/acceptance"
    assert server.attributes["http.route"] == "/complaints/{complaint_id}/acceptance"
    in_request = [s for s in spans if s.trace_id == server.trace_id]
    assert any(s.kind == "client" and "db.system" in s.attributes for s in in_request), spans
    assert any(s.kind == "client" and "/ping" in str(s.attributes) for s in in_request), spans
    # The relay's send continues the request's trace; the receipt is its child.
    (send,) = [s for s in spans if s.name == "send complaint-events"]
    assert send.kind == "producer" and send.trace_id == server.trace_id
    assert send.attributes["messaging.system"] == "kafka"
    receive = [s for s in spans if s.name == "receive complaint-events"]
    assert receive and all(r.parent_span_id == send.span_id for r in receive)
    # Processing is a trace of its own, linked to the producer's span.
    assert process.kind == "consumer"
    assert process.trace_id != server.trace_id
    assert (send.trace_id, send.span_id) in process.links
    assert process.attributes["messaging.consumer.group.name"] == service
    handler_sql = [s for s in spans if s.trace_id == process.trace_id and s.kind == "client"]
    assert handler_sql and all(s.parent_span_id for s in handler_sql)
    for span in spans:
        assert span.attributes[COMPLAINT_ID] == cid, span.name
    # Metrics: latency by route template and by event type, lag per partition.
    route = "/complaints/{complaint_id}/acceptance"
    assert sample("http_server_request_duration_seconds_count", method="POST", route=route,
                  status="202") >= 1  # fmt: skip
    assert (
        sample(
            "event_handler_duration_seconds_count",
            service=service,
            event_type=ComplaintAccepted.type_name(),
        )
        >= 1
    )

    def lags() -> list[float]:
        values = [
            REGISTRY.get_sample_value(
                "consumer_lag_records",
                {"service": service, "topic": COMPLAINT_EVENTS, "partition": str(p)},
            )
            for p in range(3)
        ]
        return [v for v in values if v is not None]

    await eventually(lambda: lags() and max(lags()) == 0, what="caught up on every partition")


async def test_a_stopped_relay_shows_a_growing_outbox_backlog(
    db, start_relay, eventually, envelope
):
    service = f"stuck-{uuid.uuid4().hex[:8]}"
    outbox = Outbox(db.outbox)
    start_relay(db, "127.0.0.1:1", service=service, poll=0.2)  # no broker there: nothing sent
    async with db.sessions.begin() as session:
        await outbox.append(session, [accepted(envelope, str(uuid.uuid4())) for _ in range(2)])
    await eventually(lambda: sample("outbox_pending_rows", service=service) == 2)
    async with db.sessions.begin() as session:
        await outbox.append(session, [accepted(envelope, str(uuid.uuid4())) for _ in range(3)])
    await eventually(lambda: sample("outbox_pending_rows", service=service) == 5)
    await eventually(lambda: sample("outbox_oldest_pending_age_seconds", service=service) > 0.5)


async def test_poison_records_raise_the_dead_letter_counter_by_reason(
    db, broker, background, eventually, envelope
):
    group = f"poison-{uuid.uuid4().hex[:8]}"
    poison, cid = str(uuid.uuid4()), str(uuid.uuid4())

    async def handler(_session, env, _event) -> None:
        if env.subject == poison:
            raise ValueError("not for this service")

    records = [
        (poison.encode(), b"{not json", []),
        to_kafka(accepted(envelope, poison)),
        to_kafka(accepted(envelope, cid)),
    ]
    await asyncio.to_thread(produce_raw, broker.bootstrap, records)
    background(consumer_for(db, broker.bootstrap, group, handler).run())
    await eventually(
        lambda: sample("events_dead_lettered_total", service=group, reason="ValueError") == 1
    )
    await eventually(
        lambda: sample("events_dead_lettered_total", service=group, reason="malformed") >= 1
    )
