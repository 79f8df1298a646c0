"""OpenTelemetry tracing: one trace per hop, linked across Kafka by the W3C trace context.

Trace ids are always made (logs carry them, the context propagates); spans are recorded only
while an exporter takes them (`trace_sampling`). Where they go is chosen by the standard
variables, read here: `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `none`
or unset; a comma-separated list is allowed), `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, used as is) and `OTEL_EXPORTER_OTLP_PROTOCOL`, which
must be `http/protobuf` (the only transport installed). The SDK reads the rest itself
(`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`, ...).

What is traced, once an exporter is configured: HTTP in (FastAPI) and out (httpx), SQL
(SQLAlchemy; statements outside a request, a record or a send are dropped rather than exported,
or the pollers would flood the trace store), the relay's `send complaint-events` (continuing
the request that wrote the outbox row), a `receive complaint-events` span per record (a child
of the producer's span) and the handler's `process complaint-events` span (a new trace linked
to the producer's span), and the notifier's `deliver alert` span per delivery attempt (the
channel's call and the recorded outcome under it). Every span started while a complaint is
bound (`complaint_context`) carries its id as `messaging.message.conversation_id` and
`complaint.id`; log lines carry it as `complaint_id`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from .settings import ConfigurationError
from .trace_sampling import EVERY_SPAN, WhileExported

CONVERSATION_ID = "messaging.message.conversation_id"
COMPLAINT_ID = "complaint.id"
MESSAGING_SYSTEM = "messaging.system"
HTTP_PROTOBUF = "http/protobuf"

_complaint: ContextVar[str | None] = ContextVar("complaint_id", default=None)
_instrumented = False
_exporting: list[ExportProcessor] = []  # every export processor added, attached or not


# -- configuration ---------------------------------------------------------------------------
def exporters_from(environ: Mapping[str, str]) -> list[SpanExporter]:
    """The span exporters the standard OTEL_* variables ask for (none when unset)."""
    chosen = [
        name.strip().lower()
        for name in environ.get("OTEL_TRACES_EXPORTER", "").split(",")
        if name.strip()
    ]
    exporters: list[SpanExporter] = []
    for name in chosen:
        if name == "none":
            continue
        if name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name == "otlp":
            exporters.append(_otlp_exporter(environ))
        else:
            raise ConfigurationError(f"OTEL_TRACES_EXPORTER={name} is not otlp, console or none")
    return exporters


def _otlp_exporter(environ: Mapping[str, str]) -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    protocol = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or HTTP_PROTOBUF
    )
    if protocol.strip() != HTTP_PROTOBUF:
        raise ConfigurationError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: only {HTTP_PROTOBUF} is supported"
        )
    endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if not endpoint and environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        endpoint = environ["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + "/v1/traces"
    return OTLPSpanExporter(endpoint=endpoint or None)


def configure_tracing(service: str, environ: Mapping[str, str] | None = None) -> TracerProvider:
    """Install the tracer provider (once per process) with the exporters the environment asks
    for, and, when there are any, instrument SQLAlchemy and httpx. Called again (tests), it
    adds the exporters to the provider already installed."""
    environ = os.environ if environ is None else environ
    exporters = exporters_from(environ)  # a bad setting refuses before anything is installed
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        provider = current
    else:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        chosen = provider.sampler if os.environ.get("OTEL_TRACES_SAMPLER") else EVERY_SPAN
        provider.sampler = WhileExported(chosen, exported)  # before any tracer
        provider.add_span_processor(ComplaintIdProcessor())
        trace.set_tracer_provider(provider)
    add_exporters(provider, exporters)
    if exporters:  # SQL and outgoing HTTP spans cost CPU on every statement, even unrecorded
        instrument_libraries()
    return provider


def add_exporters(provider: TracerProvider, exporters: list[SpanExporter]) -> list[ExportProcessor]:
    """Export the provider's spans with each exporter (batched); the processors added."""
    processors = [ExportProcessor(BatchSpanProcessor(exporter)) for exporter in exporters]
    for processor in processors:
        provider.add_span_processor(processor)
    _exporting.extend(processors)
    return processors


def exported() -> bool:
    """Whether an exporter is attached: spans are recorded only then."""
    return any(processor.attached for processor in _exporting)


def instrument_libraries() -> None:
    """SQL and outgoing HTTP spans (FastAPI apps are instrumented by `create_service_app`).
    Engines made before this call are not traced: call it before building them."""
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # Its declared range stops short of SQLAlchemy 2.1, whose engine events it uses unchanged.
    SQLAlchemyInstrumentor().instrument(enable_commenter=False, skip_dep_check=True)
    HTTPXClientInstrumentor().instrument()
    _instrumented = True


class ComplaintIdProcessor(SpanProcessor):
    """Stamps the bound complaint id on every span as it starts."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        complaint_id = _complaint.get()
        if complaint_id:
            span.set_attribute(CONVERSATION_ID, complaint_id)
            span.set_attribute(COMPLAINT_ID, complaint_id)


class ExportProcessor(SpanProcessor):
    """Passes finished spans on for export, except a database statement with no parent (a
    poller's query, not part of any request, record or send); can be detached (tests)."""

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner
        self.attached = True

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        if self.attached:
            self.inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if not self.attached or (span.parent is None and _is_query(span)):
            return
        self.inner.on_end(span)

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def _is_query(span: ReadableSpan) -> bool:
    attributes = span.attributes or {}
    return span.kind == SpanKind.CLIENT and (
        "db.system" in attributes or "db.system.name" in attributes
    )


def tracer() -> trace.Tracer:
    return trace.get_tracer("complaints")


# -- the complaint id ------------------------------------------------------------------------
def current_complaint() -> str | None:
    return _complaint.get()


def annotate(span: trace.Span, complaint_id: str) -> None:
    span.set_attribute(CONVERSATION_ID, complaint_id)
    span.set_attribute(COMPLAINT_ID, complaint_id)


@contextmanager
def complaint_context(complaint_id: str, **log_context: Any) -> Iterator[None]:
    """Within the block, spans and log lines carry `complaint_id` (and `log_context`)."""
    token = _complaint.set(complaint_id)
    try:
        with structlog.contextvars.bound_contextvars(complaint_id=complaint_id, **log_context):
            yield
    finally:
        _complaint.reset(token)


# -- Kafka -----------------------------------------------------------------------------------
def current_trace_headers() -> dict[str, str]:
    """The current context as W3C headers, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def _messaging_attributes(topic: str, operation: str, **extra: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        MESSAGING_SYSTEM: "kafka",
        "messaging.destination.name": topic,
        "messaging.operation.type": operation,
        "messaging.operation.name": operation,
    }
    attributes.update({k: v for k, v in extra.items() if v is not None})
    return attributes


@contextmanager
def producer_span(
    topic: str, complaint_id: str, trace_headers: dict[str, str], **attributes: Any
) -> Iterator[dict[str, str]]:
    """A send span continuing the request that wrote the outbox row; yields headers to send."""
    parent = propagate.extract(trace_headers)
    with (
        complaint_context(complaint_id),
        tracer().start_as_current_span(
            f"send {topic}",
            context=parent,
            kind=SpanKind.PRODUCER,
            attributes=_messaging_attributes(
                topic, "send", **{"messaging.kafka.message.key": complaint_id}, **attributes
            ),
        ) as span,
    ):
        annotate(span, complaint_id)
        yield current_trace_headers()


def receive_span(
    topic: str, complaint_id: str, trace_headers: dict[str, str], **attributes: Any
) -> None:
    """The record's arrival, a child of the producer's span (ended at once: the processing is
    a trace of its own, see `consumer_span`)."""
    parent = propagate.extract(trace_headers)
    with complaint_context(complaint_id):
        span = tracer().start_span(
            f"receive {topic}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes=_messaging_attributes(topic, "receive", **attributes),
        )
        annotate(span, complaint_id)
        span.end()


@contextmanager
def consumer_span(
    topic: str, complaint_id: str, trace_headers: dict[str, str], **attributes: Any
) -> Iterator[trace.Span]:
    """A new trace for processing, linked to the producer's span (one trace per hop)."""
    remote = trace.get_current_span(propagate.extract(trace_headers)).get_span_context()
    links = [Link(remote)] if remote.is_valid else []
    with tracer().start_as_current_span(
        f"process {topic}",
        kind=SpanKind.CONSUMER,
        links=links,
        context=Context(),
        attributes=_messaging_attributes(topic, "process", **attributes),
    ) as span:
        annotate(span, complaint_id)
        yield span


# -- alert deliveries ------------------------------------------------------------------------
@contextmanager
def delivery_span(channel: str, kind: str, complaint_ids: Iterable[str]) -> Iterator[trace.Span]:
    """One attempt to deliver an alert, a trace of its own: the channel's call (HTTP, SMTP)
    and the outcome's events run under it. A delivery about one complaint binds its id; a
    digest about several names none of them."""
    ids = set(complaint_ids)
    bound: AbstractContextManager[None] = (
        complaint_context(ids.pop()) if len(ids) == 1 else nullcontext()
    )
    with (
        bound,
        tracer().start_as_current_span(
            "deliver alert",
            context=Context(),
            attributes={"notification.channel": channel, "notification.kind": kind},
        ) as span,
    ):
        yield span


def failed(span: trace.Span, reason: str) -> None:
    """Mark `span` as failed, with `reason` (never personal data) as its description."""
    span.set_status(Status(StatusCode.ERROR, reason))
