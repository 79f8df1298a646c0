"""Spans are recorded only while an exporter takes them; ids are made and propagated always."""

from __future__ import annotations

from opentelemetry import propagate
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased

from complaints_shared.trace_sampling import EVERY_SPAN, WhileExported


def provider(exporting: list[bool]) -> TracerProvider:
    return TracerProvider(sampler=WhileExported(ParentBased(ALWAYS_ON), lambda: exporting[0]))


def test_without_an_exporter_a_span_is_not_recorded_but_has_ids_that_travel():
    tracer = provider([False]).get_tracer("tests")
    with tracer.start_as_current_span("POST /v1/complaints") as span:
        assert not span.is_recording()
        context = span.get_span_context()
        assert context.is_valid and not context.trace_flags.sampled
        headers: dict[str, str] = {}
        propagate.inject(headers)
    assert headers["traceparent"].split("-")[1] == format(context.trace_id, "032x")


def test_with_an_exporter_attached_spans_are_recorded_as_the_inner_sampler_decides():
    exporting = [False]
    tracer = provider(exporting).get_tracer("tests")
    exporting[0] = True
    with tracer.start_as_current_span("send complaint-events") as span:
        assert span.is_recording() and span.get_span_context().trace_flags.sampled
    exporting[0] = False
    with tracer.start_as_current_span("send complaint-events") as span:
        assert not span.is_recording()


def test_it_describes_itself_with_the_inner_sampler():
    sampler = WhileExported(ParentBased(ALWAYS_ON), lambda: True)
    assert sampler.get_description().startswith("WhileExported{ParentBased{root:AlwaysOn")


def test_a_service_that_exports_records_under_a_caller_that_did_not():
    caller = provider([False]).get_tracer("caller")
    headers: dict[str, str] = {}
    with caller.start_as_current_span("POST"):
        propagate.inject(headers)
    assert not int(headers["traceparent"].rsplit("-", 1)[1], 16) & 1  # not sampled
    service = TracerProvider(sampler=WhileExported(EVERY_SPAN, lambda: True)).get_tracer("svc")
    with service.start_as_current_span(
        "POST /v1/complaints", context=propagate.extract(headers)
    ) as span:
        assert span.is_recording()
        assert (
            format(span.get_span_context().trace_id, "032x") == headers["traceparent"].split("-")[1]
        )
