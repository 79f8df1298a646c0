"""A complaint's hand-off timeline: what each event says (no personal data), and the stays.

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
    }
)
_ENDING = ("complaint.resolved", "complaint.closed")


def public_data(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key in PUBLIC_FIELDS}


@dataclass(frozen=True)
class Entry:
    type: str  # the event's name, without version: `complaint.assigned`
    time: datetime  # event time
    data: dict[str, Any]  # public data only


@dataclass(frozen=True)
class Stay:
    unit: str
    since: datetime
    until: datetime | None  # None while the complaint is still there
    seconds: int


def stays(entries: list[Entry], now: datetime) -> list[Stay]:
    """How long the complaint sat with each owner, from its assignments in log order.

    The last stay ends with the reply or closing, unless the complaint was reopened since.
    """
    owners: list[tuple[str, datetime]] = []
    ended: datetime | None = None
    for entry in entries:
        if entry.type == "complaint.assigned":
            unit = entry.data.get("owner_unit")
            if unit and (not owners or owners[-1][0] != unit):
                owners.append((unit, entry.time))
        elif entry.type in _ENDING:
            ended = ended or entry.time
        elif entry.type == "complaint.reopened":
            ended = None
    result = []
    for index, (unit, since) in enumerate(owners):
        until = owners[index + 1][1] if index + 1 < len(owners) else ended
        end = until or now
        result.append(Stay(unit, since, until, max(0, int((end - since).total_seconds()))))
    return result


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
