"""Recording spans only while something exports them.

A service started without an exporter (`OTEL_TRACES_EXPORTER` unset or `none`: `make run`, the
tests, a deployment that does not collect traces) still makes trace ids, so log lines carry
them and the W3C context travels with every event; but it records no span, because building
spans nobody reads cost about a quarter of intake's CPU per complaint (its SQL statements
alone make a dozen spans). Once an exporter is attached, every span is recorded
(`EVERY_SPAN`), or, when `OTEL_TRACES_SAMPLER` is set, as it says.

A caller that records nothing still passes its trace id on, with the sampled flag off. The
SDK's default would then record nothing under it. `EVERY_SPAN` records them anyway, so each
service that exports sends its whole part of a complaint's journey, whatever its callers
export.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind, TraceState, get_current_span
from opentelemetry.util.types import Attributes

EVERY_SPAN = ParentBased(ALWAYS_ON, remote_parent_not_sampled=ALWAYS_ON)


class WhileExported(Sampler):
    """`inner`'s decision while `exported()` is true; otherwise the span is dropped (its ids
    are made and propagated, nothing is recorded)."""

    def __init__(self, inner: Sampler, exported: Callable[[], bool]) -> None:
        self.inner = inner
        self.exported = exported

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if self.exported():
            return self.inner.should_sample(
                parent_context, trace_id, name, kind, attributes, links, trace_state
            )
        parent_state = get_current_span(parent_context).get_span_context().trace_state
        return SamplingResult(Decision.DROP, None, parent_state)

    def get_description(self) -> str:
        return f"WhileExported{{{self.inner.get_description()}}}"
