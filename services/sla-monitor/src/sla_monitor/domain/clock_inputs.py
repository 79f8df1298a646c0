"""What the clock fold reads: one plain class per log event type, plus the timer tick.

Each is named for what happened to the complaint (`Assignment`, `Resolution`, ...), not after
the contract event it is built from (`complaint.assigned`, `complaint.resolved`): the service
layer's `translate` turns one into the other. `NAME` is the log's type. Every input has an
event time (`.time`), taken from the event, never from the processing clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal


@dataclass(frozen=True)
class Arrival:
    """A complaint received, with what decides whether it gets a return visit once resolved.

    `visit_owner` is the unit that owes the return visit (the supervision line of the
    receiving province, HQ's quality-service group for a complaint received at HQ); the
    service layer resolves it from the organisation (`return_visits.return_visit_owner`).
    Without one, no return-visit clock starts. `complaint_id` decides the sample.
    `business_line` decides whether each owner gets an `investigate` clock.
    """

    NAME: ClassVar[str] = "complaint.received"
    kind: Literal["complaint", "inquiry"]
    receiving_unit: str
    received_at: datetime
    complaint_id: str = ""
    major: bool = False
    key_customer: bool = False
    prior_complaints: int = 0
    visit_owner: str | None = None
    business_line: str | None = None

    @property
    def time(self) -> datetime:
        return self.received_at


@dataclass(frozen=True)
class Assignment:
    NAME: ClassVar[str] = "complaint.assigned"
    owner_unit: str
    handling_level: str
    at: datetime
    previous_owner: str | None = None

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class Transfer:
    NAME: ClassVar[str] = "complaint.transferred"
    from_unit: str
    to_unit: str
    at: datetime

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class Acceptance:
    NAME: ClassVar[str] = "complaint.accepted"
    unit: str
    at: datetime

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class DeadlinePromise:
    NAME: ClassVar[str] = "complaint.deadline_committed"
    committed_deadline: datetime
    at: datetime

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class PlanDecision:
    """The owner's supervisor decided the plan after investigating; `promised_by`, when
    given, is the date the plan promises the customer (a committed deadline)."""

    NAME: ClassVar[str] = "complaint.plan_decided"
    at: datetime
    promised_by: datetime | None = None

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class ExtensionRequest:
    """The owner asks for more time to resolve, up to `until`. The request is known by the id
    of its event (`request_id`): the decision names it, and carries no `until` of its own."""

    NAME: ClassVar[str] = "complaint.extension_requested"
    request_id: str
    unit: str
    until: datetime
    at: datetime

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class ExtensionDecision:
    """The decision on the extension request `request_id`: approved or refused."""

    NAME: ClassVar[str] = "complaint.extension_decided"
    request_id: str
    approved: bool
    at: datetime

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class _Moment:
    """An action that carries only its time."""

    at: datetime

    @property
    def time(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class CustomerWait(_Moment):
    NAME: ClassVar[str] = "complaint.waiting_on_customer"


@dataclass(frozen=True)
class CustomerReply(_Moment):
    NAME: ClassVar[str] = "complaint.customer_responded"


@dataclass(frozen=True)
class Resolution(_Moment):
    NAME: ClassVar[str] = "complaint.resolved"


@dataclass(frozen=True)
class Reopening(_Moment):
    NAME: ClassVar[str] = "complaint.reopened"


@dataclass(frozen=True)
class ReturnVisit(_Moment):
    NAME: ClassVar[str] = "complaint.return_visit_recorded"


@dataclass(frozen=True)
class Closing(_Moment):
    NAME: ClassVar[str] = "complaint.closed"


@dataclass(frozen=True)
class TimerTick(_Moment):
    """Evaluate warnings and breaches at `at` (both `timer.due` and `timer.warning`)."""

    NAME: ClassVar[str] = "timer.tick"


ClockInput = (
    Arrival
    | Assignment
    | Transfer
    | Acceptance
    | DeadlinePromise
    | PlanDecision
    | ExtensionRequest
    | ExtensionDecision
    | CustomerWait
    | CustomerReply
    | Resolution
    | Reopening
    | ReturnVisit
    | Closing
    | TimerTick
)
