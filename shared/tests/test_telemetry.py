"""Tracing configuration from the standard OTEL_* variables, and what each HTTP request leaves
behind: the latency histogram by route template, one access line, the complaint id bound; an
alert delivery's span."""

from __future__ import annotations

import httpx
import pytest
import structlog
from fastapi import APIRouter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from complaints_shared.runtime import create_service_app
from complaints_shared.settings import ConfigurationError
from complaints_shared.telemetry import (
    COMPLAINT_ID,
    add_exporters,
    configure_tracing,
    current_complaint,
    delivery_span,
    exporters_from,
    failed,
    tracer,
)


def test_no_exporter_unless_asked():
    assert exporters_from({}) == []
    assert exporters_from({"OTEL_TRACES_EXPORTER": "none"}) == []
    (console,) = exporters_from({"OTEL_TRACES_EXPORTER": "console"})
    assert isinstance(console, ConsoleSpanExporter)


def test_otlp_over_http_to_the_configured_endpoint():
    (otlp,) = exporters_from(
        {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        }
    )
    assert isinstance(otlp, OTLPSpanExporter)
    assert otlp._endpoint == "http://collector:4318/v1/traces"


@pytest.mark.parametrize(
    "environ",
    [
        {"OTEL_TRACES_EXPORTER": "zipkin"},
        {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
    ],
)
def test_what_cannot_be_exported_refuses_to_start(environ):
    with pytest.raises(ConfigurationError):
        exporters_from(environ)


async def test_a_request_is_timed_by_route_logged_once_and_names_its_complaint():
    async def noop(_app) -> None:
        return None

    app = create_service_app(title="t", description="", startup=noop, shutdown=noop)
    seen: list[str | None] = []

    @app.get("/complaints/{complaint_id}/probe")
    async def probe(complaint_id: str) -> dict[str, str]:
        seen.append(current_complaint())
        seen.append(structlog.contextvars.get_contextvars().get("complaint_id"))
        return {"id": complaint_id}

    def count() -> float:
        labels = {"method": "GET", "route": "/complaints/{complaint_id}/probe", "status": "200"}
        return REGISTRY.get_sample_value("http_server_request_duration_seconds_count", labels) or 0

    before = count()
    transport = httpx.ASGITransport(app=app)
    with capture_logs() as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.get(
                "/complaints/C-1/probe?phone=13800001234",
                headers={"Authorization": "Bearer secret-token-value"},
            )
    assert answer.status_code == 200
    assert seen == ["C-1", "C-1"] and current_complaint() is None
    assert count() == before + 1
    (access,) = [line for line in logs if line["event"] == "http request"]
    assert access["method"] == "GET" and access["status"] == 200
    assert access["route"] == "/complaints/{complaint_id}/probe"
    assert isinstance(access["duration_ms"], float)
    assert "13800001234" not in str(access) and "secret-token-value" not in str(access)


def test_a_delivery_attempt_is_a_trace_of_its_own_naming_its_one_complaint():
    provider = configure_tracing("tests", {})
    exporter = InMemorySpanExporter()
    (processor,) = add_exporters(provider, [exporter])
    try:
        with tracer().start_as_current_span("the dispatcher's loop"):
            with delivery_span("webhook", "single", ["C-9", "C-9"]) as span:
                assert current_complaint() == "C-9"
                with tracer().start_as_current_span("POST"):
                    pass
                failed(span, "webhook answered HTTP 503")
            with delivery_span("log", "digest", ["C-1", "C-2"]):
                assert current_complaint() is None
        provider.force_flush()
    finally:
        processor.attached = False
    finished = exporter.get_finished_spans()
    single, digest = [s for s in finished if s.name == "deliver alert"]
    assert single.parent is None  # not part of whatever ran around it
    assert single.attributes[COMPLAINT_ID] == "C-9"
    assert single.attributes["notification.channel"] == "webhook"
    assert single.status.status_code == StatusCode.ERROR
    assert single.status.description == "webhook answered HTTP 503"
    (call,) = [s for s in finished if s.name == "POST"]
    assert call.parent.span_id == single.context.span_id
    assert call.attributes[COMPLAINT_ID] == "C-9"
    assert COMPLAINT_ID not in digest.attributes
    assert digest.attributes["notification.kind"] == "digest"


async def test_a_route_of_an_included_router_is_timed_by_its_full_template():
    async def noop(_app) -> None:
        return None

    app = create_service_app(title="t", description="", startup=noop, shutdown=noop)
    router = APIRouter(prefix="/v1")
    seen: list[str | None] = []

    @router.post("/complaints/{complaint_id}/events", status_code=202)
    async def act(complaint_id: str) -> dict[str, str]:
        seen.append(current_complaint())
        return {"id": complaint_id}

    app.include_router(router)
    route = "/v1/complaints/{complaint_id}/events"
    labels = {"method": "POST", "route": route, "status": "202"}

    def count() -> float:
        return REGISTRY.get_sample_value("http_server_request_duration_seconds_count", labels) or 0

    before = count()
    transport = httpx.ASGITransport(app=app)
    with capture_logs() as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.post("/v1/complaints/C-2/events")
    assert answer.status_code == 202
    assert count() == before + 1
    assert seen == ["C-2"]
    (access,) = [line for line in logs if line["event"] == "http request"]
    assert access["route"] == route
