"""Events the SLA monitor appends. Timer events carry the deadline they mark as their time.

A warning, a breach and a stop also name the handler at that moment (the member of staff who
held the complaint in the owning unit, as the shared lifecycle fold tells it), so overdue
handling stays attributed to that person after the complaint passes to another; None when
nobody held it, and in records older than the field.
"""

from __future__ import annotations

from typing import Literal

from .base import AwareDatetime, Event
from .complaint_events import HandlerRef

ClockName = Literal[
    "transfer",
    "start",
    "resolve",
    "inquiry_reply",
    "committed",
    "customer",
    "return_visit",
    "investigate",
]


class ClockStarted(Event):
    NAME = "sla.clock_started"

    clock: ClockName
    owner_unit: str
    handling_level: str | None = None
    started_at: AwareDatetime
    due_at: AwareDatetime
    budget_seconds: int
    calendar: str


class ClockPaused(Event):
    """Waiting on the customer: the clock keeps its remaining working time."""

    NAME = "sla.clock_paused"

    clock: ClockName
    owner_unit: str
    paused_at: AwareDatetime
    remaining_seconds: int
    due_at: AwareDatetime  # the due time it would have if resumed at once


class ClockResumed(Event):
    NAME = "sla.clock_resumed"

    clock: ClockName
    owner_unit: str
    resumed_at: AwareDatetime
    due_at: AwareDatetime


class ClockRescheduled(Event):
    """A running clock's due time moved because the clock policy or a calendar changed."""

    NAME = "sla.clock_rescheduled"

    clock: ClockName
    owner_unit: str
    due_at: AwareDatetime
    previous_due_at: AwareDatetime
    reason: str


class SlaWarning(Event):
    NAME = "sla.warning"

    clock: ClockName
    owner_unit: str
    due_at: AwareDatetime
    point: str
    remaining_seconds: int
    handler: HandlerRef | None = None


class SlaBreached(Event):
    NAME = "sla.breached"

    clock: ClockName
    owner_unit: str
    due_at: AwareDatetime
    handler: HandlerRef | None = None


class ClockStopped(Event):
    NAME = "sla.clock_stopped"

    clock: ClockName
    owner_unit: str
    outcome: Literal["met", "cancelled"]
    stopped_at: AwareDatetime
    late: bool = False  # met after it had breached
    # Working time (on the clock's own calendar) between the stop and the due time: positive
    # when it stopped early, negative when late; None when not computed (older records).
    margin_seconds: int | None = None
    due_at: AwareDatetime | None = None
    handler: HandlerRef | None = None
