"""Events the notifier appends: every alert attempt, so the timeline shows who was told."""

from __future__ import annotations

from .base import Event


class NotificationSent(Event):
    NAME = "notification.sent"

    channel: str
    recipient_unit: str
    recipient: str  # masked
    attempts: int
    cause_event_id: str
    cause_type: str


class NotificationFailed(Event):
    NAME = "notification.failed"

    channel: str
    recipient_unit: str
    recipient: str  # masked
    attempts: int
    cause_event_id: str
    cause_type: str
    reason: str
