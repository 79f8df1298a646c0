"""The event envelope: CloudEvents 1.0 attributes plus causation, correlation and trace context.

On Kafka it travels in binary content mode (cloudevents.core.bindings.kafka): the data in the
value, `content-type` and `ce_*` headers for the attributes, the W3C `traceparent` header, and
the complaint id as the key so one complaint's events stay in one partition, in order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent

SPECVERSION = "1.0"
_NAMESPACE = uuid.UUID("6f0c7e0a-3f1e-4a8e-9c59-2b3f1f0c1d5e")
_TRACE_HEADERS = ("traceparent", "tracestate")


class MalformedEvent(ValueError):
    """A record that is not a usable event; the message is the dead-letter reason."""


def derived_id(cause_id: str, event_type: str, discriminator: str = "") -> str:
    """A deterministic id for an event caused by another, so reprocessing emits the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{cause_id}|{event_type}|{discriminator}"))


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    type: str
    subject: str  # the complaint id
    time: datetime  # event time: when it happened in the business
    data: dict[str, Any]
    causation_id: str | None = None
    correlation_id: str | None = None
    trace: dict[str, str] = field(default_factory=dict)

    @property
    def complaint_id(self) -> str:
        return self.subject

    def caused(
        self,
        *,
        type: str,
        source: str,
        data: dict[str, Any],
        time: datetime | None = None,
        discriminator: str = "",
    ) -> Envelope:
        """An event derived from this one: deterministic id, same complaint, chained ids."""
        return derived_envelope(
            Cause(self.id, self.correlation_id, self.trace),
            type=type,
            source=source,
            subject=self.subject,
            time=time or self.time,
            data=data,
            discriminator=discriminator,
        )

    def with_trace(self, trace: dict[str, str]) -> Envelope:
        return replace(self, trace=trace)


@dataclass(frozen=True)
class Cause:
    """What a derived event takes from its cause: an event, or a record that stands for one
    (an alert remembers the event that caused it)."""

    id: str
    correlation_id: str | None = None
    trace: dict[str, str] = field(default_factory=dict)


def derived_envelope(
    cause: Cause,
    *,
    type: str,
    source: str,
    subject: str,
    time: datetime,
    data: dict[str, Any],
    discriminator: str = "",
    seed: str | None = None,
) -> Envelope:
    """The one way to build a derived event: its id is a function of its cause (`seed`, by
    default the cause's id), its type and `discriminator`, so reprocessing after a crash emits
    the same event; causation, correlation and trace context chain from the cause."""
    return Envelope(
        id=derived_id(seed or cause.id, type, discriminator),
        source=source,
        type=type,
        subject=subject,
        time=time,
        data=data,
        causation_id=cause.id,
        correlation_id=cause.correlation_id or cause.id,
        trace=dict(cause.trace),
    )


def to_kafka(envelope: Envelope) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) for aiokafka."""
    attributes: dict[str, Any] = {
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "specversion": SPECVERSION,
        "subject": envelope.subject,
        "time": envelope.time,
        "datacontenttype": "application/json",
    }
    if envelope.causation_id:
        attributes["causationid"] = envelope.causation_id
    if envelope.correlation_id:
        attributes["correlationid"] = envelope.correlation_id
    message = ce_kafka.to_binary_event(
        CloudEvent(attributes=attributes, data=envelope.data),
        key_mapper=lambda _event: envelope.subject,
    )
    headers = [(name, value) for name, value in message.headers.items()]
    headers += [(k, v.encode()) for k, v in envelope.trace.items() if k in _TRACE_HEADERS]
    return envelope.subject.encode(), message.value, headers


def from_kafka(
    key: bytes | None,
    value: bytes | None,
    headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...],
) -> Envelope:
    """Decode a record; raise MalformedEvent naming what is wrong."""
    header_map = {name: raw for name, raw in headers or ()}
    if "ce_type" not in header_map or "ce_id" not in header_map:
        raise MalformedEvent("not a CloudEvent: ce_id/ce_type headers missing")
    if "ce_time" not in header_map:  # the SDK would fill in "now": event time must be given
        raise MalformedEvent("time missing")
    try:
        event = ce_kafka.from_binary_event(
            ce_kafka.KafkaMessage(headers=header_map, key=key, value=value or b"")
        )
    except Exception as exc:  # the SDK raises several types for bad input
        raise MalformedEvent(f"undecodable CloudEvent: {exc}") from exc
    data = event.get_data()
    if not isinstance(data, dict):
        raise MalformedEvent("event data is not a JSON object")
    subject, time = event.get_subject(), event.get_time()
    if not subject:
        raise MalformedEvent("subject (complaint id) missing")
    if time is None or time.tzinfo is None:
        raise MalformedEvent("time missing or without an offset")
    extensions = event.get_extension
    trace = {k: header_map[k].decode() for k in _TRACE_HEADERS if k in header_map}
    return Envelope(
        id=event.get_id(),
        source=event.get_source(),
        type=event.get_type(),
        subject=subject,
        time=time,
        data=data,
        causation_id=extensions("causationid"),
        correlation_id=extensions("correlationid"),
        trace=trace,
    )
