"""The status a complaint shows after each event, and the hand-offs it went through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STATUS_AFTER: dict[str, str] = {
    "complaint.received": "received",
    "complaint.assigned": "assigned",
    "complaint.accepted": "in_progress",
    "complaint.customer_contacted": "in_progress",
    "complaint.waiting_on_customer": "waiting_on_customer",
    "complaint.customer_responded": "in_progress",
    "complaint.resolved": "resolved",
    "complaint.reopened": "reopened",
    "complaint.closed": "closed",
}
_FINAL = {"resolved", "closed"}


def next_status(current: str | None, event_name: str, *, handoff: bool = True) -> str | None:
    """The new status, or None when the event does not change it.

    An assignment after resolution (a late escalation, say) does not reopen a complaint; only
    `reopened` does. A first assignment (not a hand-off) that reaches the log after the unit
    already started work leaves the work's status alone: both are true, the work is further on.
    """
    status = STATUS_AFTER.get(event_name)
    if status is None:
        return None
    if status == "assigned" and (
        current in _FINAL or (not handoff and current not in (None, "received", "unknown"))
    ):
        return None
    return status


@dataclass(frozen=True)
class Stay:
    unit: str
    since: datetime
    until: datetime | None  # None while the complaint is still there
    seconds: int


def stays(
    assignments: list[tuple[str, datetime]], ended_at: datetime | None, now: datetime
) -> list[Stay]:
    """How long the complaint sat with each owner, from its assignments in log order."""
    result = []
    for index, (unit, since) in enumerate(assignments):
        if index + 1 < len(assignments):
            until: datetime | None = assignments[index + 1][1]
        else:
            until = ended_at
        end = until or now
        result.append(Stay(unit, since, until, max(0, int((end - since).total_seconds()))))
    return result
