"""The envelope on Kafka: CloudEvents binary mode, a lossless round trip, clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from complaints_shared.contracts.envelope import (
    Envelope,
    MalformedEvent,
    derived_id,
    from_kafka,
    to_kafka,
)

CST = timezone(timedelta(hours=8))
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def envelope(**changes) -> Envelope:
    fields = {
        "id": "evt-1",
        "source": "intake",
        "type": "complaint.received.v1",
        "subject": "cmp-42",
        "time": datetime(2026, 11, 23, 10, 15, 30, 123456, tzinfo=CST),
        "data": {"summary": "卡被冻结", "flags": ["discipline"], "nested": {"n": 1}},
        "causation_id": "evt-0",
        "correlation_id": "corr-0",
        "trace": {"traceparent": TRACEPARENT},
    }
    return Envelope(**{**fields, **changes})


def record(**changes) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    return to_kafka(envelope(**changes))


def without(headers: list[tuple[str, bytes]], name: str) -> list[tuple[str, bytes]]:
    return [(n, v) for n, v in headers if n != name]


def replaced(headers: list[tuple[str, bytes]], name: str, value: bytes) -> list[tuple[str, bytes]]:
    return [(n, value if n == name else v) for n, v in headers]


def test_round_trip_keeps_every_attribute():
    original = envelope()
    decoded = from_kafka(*to_kafka(original))
    assert decoded == original
    assert decoded.time.utcoffset() == timedelta(hours=8)


def test_round_trip_without_causation_correlation_or_trace_leaves_them_empty():
    decoded = from_kafka(*record(causation_id=None, correlation_id=None, trace={}))
    assert (decoded.causation_id, decoded.correlation_id, decoded.trace) == (None, None, {})


def test_the_key_is_the_complaint_id():
    key, _, _ = record(subject="cmp-7")
    assert key == b"cmp-7"


def test_headers_are_cloudevents_binary_mode_with_the_trace_context():
    _, value, headers = record()
    names = dict(headers)
    assert names["ce_id"] == b"evt-1"
    assert names["ce_type"] == b"complaint.received.v1"
    assert names["ce_specversion"] == b"1.0"
    assert names["ce_subject"] == b"cmp-42"
    assert names["content-type"] == b"application/json"
    assert names["traceparent"] == TRACEPARENT.encode()
    assert b"evt-1" not in value  # attributes travel in headers, only the data in the value


def test_only_w3c_trace_headers_are_copied_from_the_trace():
    _, _, headers = record(trace={"traceparent": TRACEPARENT, "baggage": "secret=1"})
    assert "baggage" not in dict(headers)


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        pytest.param(lambda k, v, h: (k, v, []), "ce_id/ce_type", id="no-headers"),
        pytest.param(lambda k, v, h: (k, v, None), "ce_id/ce_type", id="headers-none"),
        pytest.param(lambda k, v, h: (k, v, without(h, "ce_type")), "ce_type", id="no-ce_type"),
        pytest.param(lambda k, v, h: (k, v, without(h, "ce_id")), "ce_id", id="no-ce_id"),
        pytest.param(lambda k, v, h: (k, b"{not json", h), "JSON object", id="value-not-json"),
        pytest.param(lambda k, v, h: (k, b"[1, 2]", h), "JSON object", id="json-array"),
        pytest.param(lambda k, v, h: (k, None, h), "JSON object", id="no-value"),
        pytest.param(lambda k, v, h: (k, v, without(h, "ce_subject")), "subject", id="no-subject"),
        pytest.param(
            lambda k, v, h: (k, v, replaced(h, "ce_time", b"2026-11-23T10:15:00")),
            "time",
            id="time-without-offset",
        ),
    ],
)
def test_from_kafka_names_what_is_wrong(mangle, reason):
    with pytest.raises(MalformedEvent, match=reason):
        from_kafka(*mangle(*record()))


def test_a_record_without_time_is_refused():
    key, value, headers = record()
    with pytest.raises(MalformedEvent, match="time"):
        from_kafka(key, value, without(headers, "ce_time"))


def test_derived_id_is_deterministic_and_depends_on_every_input():
    first = derived_id("evt-1", "sla.warning.v1", "resolve")
    assert first == derived_id("evt-1", "sla.warning.v1", "resolve")
    assert first != derived_id("evt-2", "sla.warning.v1", "resolve")
    assert first != derived_id("evt-1", "sla.breached.v1", "resolve")
    assert first != derived_id("evt-1", "sla.warning.v1", "start")
    assert first != derived_id("evt-1", "sla.warning.v1")


def test_caused_chains_ids_and_keeps_subject_time_and_trace():
    cause = envelope()
    effect = cause.caused(type="complaint.assigned.v1", source="routing", data={"x": 1})
    assert effect.id == derived_id(cause.id, "complaint.assigned.v1")
    assert (effect.causation_id, effect.correlation_id) == ("evt-1", "corr-0")
    assert (effect.subject, effect.time) == (cause.subject, cause.time)
    assert (effect.type, effect.source, effect.data) == (
        "complaint.assigned.v1",
        "routing",
        {"x": 1},
    )
    assert effect.trace == cause.trace


def test_caused_from_the_first_event_correlates_to_it():
    first = envelope(causation_id=None, correlation_id=None)
    second = first.caused(type="complaint.assigned.v1", source="routing", data={})
    third = second.caused(type="sla.clock_started.v1", source="sla-monitor", data={})
    assert (second.causation_id, second.correlation_id) == ("evt-1", "evt-1")
    assert (third.causation_id, third.correlation_id) == (second.id, "evt-1")


def test_caused_takes_an_explicit_time_and_discriminator():
    deadline = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    cause = envelope()
    warning = cause.caused(
        type="sla.warning.v1", source="sla", data={}, time=deadline, discriminator="resolve"
    )
    assert warning.time == deadline
    assert warning.id == derived_id(cause.id, "sla.warning.v1", "resolve")
    assert warning.id != cause.caused(type="sla.warning.v1", source="sla", data={}).id
