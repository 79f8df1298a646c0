"""A complaint's hand-off timeline: what each event says (no personal data), and its hand-offs.

How long each owner held it comes from the shared lifecycle (`lifecycle.stays`).

Only allow-listed fields of an event are kept: a field an event type adds later stays out
until someone decides it may be shown. Customer data, summaries, replies, notes and alert
recipients never enter the dashboard's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

PUBLIC_FIELDS = frozenset(
    {
        "kind",
        "channel",
        "receiving_unit",
        "business_line",
        "category",
        "severity",
        "flags",
        "received_at",
        "owner_unit",
        "handling_level",
        "previous_owner",
        "also_involved",
        "reported_to",
        "restricted",
        "rule",
        "reason",
        "from_unit",
        "to_unit",
        "by_unit",
        "requested_by",
        "clock",
        "started_at",
        "due_at",
        "previous_due_at",
        "paused_at",
        "resumed_at",
        "remaining_seconds",
        "outcome",
        "late",
        "stopped_at",
        "point",
        "unit",
        "at",
        "classification",
        "satisfaction",
        "committed_deadline",
        "recipient_unit",
        "attempts",
        "until",
        "request_id",
        "decision",
    }
)


def public_data(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key in PUBLIC_FIELDS}


@dataclass(frozen=True)
class Entry:
    type: str  # the event's name, without version: `complaint.assigned`
    time: datetime  # event time
    data: dict[str, Any]  # public data only
    recorded_at: datetime | None = None  # when the projection recorded it (processing time)


def handoffs(entries: list[Entry]) -> list[dict[str, Any]]:
    """Every transfer and escalation: from whom, to whom, why, when."""
    return [
        {
            "kind": entry.type.removeprefix("complaint."),
            "from_unit": entry.data.get("from_unit"),
            "to_unit": entry.data.get("to_unit"),
            "why": entry.data.get("reason"),
            "at": entry.time,
        }
        for entry in entries
        if entry.type in ("complaint.transferred", "complaint.escalated")
    ]
