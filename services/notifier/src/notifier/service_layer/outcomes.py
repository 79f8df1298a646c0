"""What the log records of a delivery: `notification.sent` / `notification.failed` per alert
(keyed by the alert's complaint, so its timeline shows who was told and when), and for a
permanent failure a dead-letter record with the reason.

A notification's event time is when it went out (or was given up): that is when the
recipient was told, whatever the time of the event that caused it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from complaints_shared.contracts import notification_events as n
from complaints_shared.contracts.envelope import Cause, Envelope, derived_envelope

from ..adapters.delivery_store import StoredAlert

SOURCE = "/notifier"
DEAD_LETTER_CONSUMER = "notifier-dispatcher"


def _envelope(
    alert: StoredAlert, event: n.NotificationSent | n.NotificationFailed, at: datetime
) -> Envelope:
    """Caused by the event that caused the alert; one per alert and outcome type."""
    return derived_envelope(
        Cause(alert.cause_event_id, alert.correlation_id, alert.trace),
        type=event.type_name(),
        source=SOURCE,
        subject=alert.complaint_id,
        time=at,
        data=event.model_dump(mode="json"),
        seed=alert.alert_id,
    )


def sent(alert: StoredAlert, at: datetime) -> Envelope:
    event = n.NotificationSent(
        channel=alert.channel,
        recipient_unit=alert.recipient_unit,
        recipient=alert.recipient,
        attempts=alert.attempts,
        cause_event_id=alert.cause_event_id,
        cause_type=alert.cause_type,
    )
    return _envelope(alert, event, at)


def failed(alert: StoredAlert, at: datetime, reason: str) -> Envelope:
    event = n.NotificationFailed(
        channel=alert.channel,
        recipient_unit=alert.recipient_unit,
        recipient=alert.recipient,
        attempts=alert.attempts,
        cause_event_id=alert.cause_event_id,
        cause_type=alert.cause_type,
        reason=reason,
    )
    return _envelope(alert, event, at)


def dead_letter(alert: StoredAlert, reason: str) -> dict[str, Any]:
    """Keyword arguments of `Outbox.append_raw` for an alert given up for good."""
    value = {
        "alert_id": alert.alert_id,
        "complaint_id": alert.complaint_id,
        "cause_event_id": alert.cause_event_id,
        "cause_type": alert.cause_type,
        "recipient_unit": alert.recipient_unit,
        "channel": alert.channel,
        "recipient": alert.recipient,
        "attempts": alert.attempts,
        "reason": reason,
    }
    return {
        "event_id": f"dead-letter:{DEAD_LETTER_CONSUMER}:{alert.alert_id}",
        "key": alert.complaint_id,
        "value": json.dumps(value, ensure_ascii=False).encode(),
        "headers": [
            ("content-type", b"application/json"),
            ("dlq_reason", reason.encode()),
            ("dlq_consumer", DEAD_LETTER_CONSUMER.encode()),
            ("dlq_source", f"alert:{alert.alert_id}".encode()),
        ],
    }
