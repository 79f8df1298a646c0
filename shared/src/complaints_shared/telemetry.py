"""OpenTelemetry tracing: one trace per hop, linked across Kafka by the W3C trace context.

Spans are always created (so logs carry trace ids and context propagates); they are exported
to the console when OTEL_TRACES_EXPORTER=console.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace import Link, SpanKind

CONVERSATION_ID = "messaging.message.conversation_id"


def configure_tracing(service: str) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if os.environ.get("OTEL_TRACES_EXPORTER") == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)


def tracer() -> trace.Tracer:
    return trace.get_tracer("complaints")


def current_trace_headers() -> dict[str, str]:
    """The current context as W3C headers, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def producer_span(topic: str, complaint_id: str, trace_headers: dict[str, str]) -> Iterator[dict]:
    """A send span continuing the request that wrote the outbox row; yields headers to send."""
    parent = propagate.extract(trace_headers)
    with tracer().start_as_current_span(
        f"send {topic}", context=parent, kind=SpanKind.PRODUCER
    ) as span:
        span.set_attribute(CONVERSATION_ID, complaint_id)
        yield current_trace_headers()


@contextmanager
def consumer_span(topic: str, complaint_id: str, trace_headers: dict[str, str]) -> Iterator[None]:
    """A new trace for processing, linked to the producer's span (one trace per hop)."""
    remote = trace.get_current_span(propagate.extract(trace_headers)).get_span_context()
    links = [Link(remote)] if remote.is_valid else []
    with tracer().start_as_current_span(
        f"process {topic}", kind=SpanKind.CONSUMER, links=links, context=Context()
    ) as span:
        span.set_attribute(CONVERSATION_ID, complaint_id)
        yield
