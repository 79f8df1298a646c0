"""Tracing configuration from the standard OTEL_* variables, and what each HTTP request leaves
behind: the latency histogram by route template, one access line, the complaint id bound."""

from __future__ import annotations

import httpx
import pytest
import structlog
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from complaints_shared.runtime import create_service_app
from complaints_shared.settings import ConfigurationError
from complaints_shared.telemetry import current_complaint, exporters_from


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
