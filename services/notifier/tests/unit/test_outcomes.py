"""The events a delivery's outcome appends: derived from the alert's cause, with ids that are a
function of the alert alone, so a retried recording appends the same event
(docs/architecture.md#deterministic-derived-ids)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from complaints_shared.contracts.envelope import derived_id
from notifier.adapters.delivery_store import StoredAlert
from notifier.service_layer import outcomes

AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
ALERT = StoredAlert(
    alert_id="a-1",
    complaint_id="c-1",
    cause_event_id="e-1",
    cause_type="complaint.assigned",
    recipient_unit="YN-KM-01",
    channel="email",
    recipient="y***@complaints.example",
    attempts=2,
    message="m",
    correlation_id="corr-1",
    trace={"traceparent": "00-abc-def-01"},
)


def test_sent_and_failed_keep_their_ids_and_chain_from_the_alerts_cause():
    sent, failed = outcomes.sent(ALERT, AT), outcomes.failed(ALERT, AT, "SMTP 550")
    assert sent.id == derived_id("a-1", "notification.sent.v1")
    assert failed.id == derived_id("a-1", "notification.failed.v1")
    for envelope in (sent, failed):
        assert envelope.subject == "c-1" and envelope.time == AT
        assert envelope.source == "/notifier"
        assert envelope.causation_id == "e-1" and envelope.correlation_id == "corr-1"
        assert envelope.trace == {"traceparent": "00-abc-def-01"}
    assert sent.data["attempts"] == 2 and failed.data["reason"] == "SMTP 550"


def test_an_alert_without_a_correlation_id_correlates_with_its_cause():
    alert = StoredAlert(**{**ALERT.__dict__, "correlation_id": None, "trace": {}})
    envelope = outcomes.sent(alert, AT)
    assert envelope.correlation_id == "e-1" and envelope.trace == {}


def test_a_dead_letter_names_the_alert_and_the_reason():
    record = outcomes.dead_letter(ALERT, "gave up: SMTP unreachable")
    assert record["event_id"] == "dead-letter:notifier-dispatcher:a-1" and record["key"] == "c-1"
    assert json.loads(record["value"])["reason"] == "gave up: SMTP unreachable"
    assert ("dlq_source", b"alert:a-1") in record["headers"]
