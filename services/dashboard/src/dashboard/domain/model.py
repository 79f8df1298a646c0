"""What the dashboard knows of one complaint: plain data folded from its events (see `fold`).

The complaint's lifecycle (status, owner, units involved, restriction, stays) is the shared
`ComplaintState` (docs/workflow.md); the dashboard adds its own figures around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from complaints_shared.workflow.lifecycle import FINAL, ComplaintState
from complaints_shared.workflow.visibility import Involvement

FINAL_STATUSES = FINAL


@dataclass
class ClockRun:
    """One run of one clock: started by `sla.clock_started`, the latest run takes what follows."""

    clock: str
    run: int
    owner_unit: str
    started_at: datetime
    due_at: datetime | None
    state: str = "running"  # running | paused | met | cancelled
    breached: bool = False
    stopped_at: datetime | None = None
    late: bool = False  # met after it had breached
    # Approved extensions that moved this run's due time (`sla.clock_rescheduled` answering
    # `complaint.extension_decided`), and its due time before the first of them.
    extensions: int = 0
    original_due_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.state in ("running", "paused")

    @property
    def extended(self) -> bool:
        return self.extensions > 0

    @property
    def verdict(self) -> str:
        """`on_time`, `late`, or `pending` (still open, or cancelled before its due time).

        A run an extension moved is judged against its extended due time: met by then is on
        time (whatever breach fired at the earlier deadline), met after it late; a breach of
        the extended deadline makes it late."""
        if self.extended:
            if self.state == "met" and self.stopped_at is not None and self.due_at is not None:
                return "on_time" if self.stopped_at <= self.due_at else "late"
            return "late" if self.breached else "pending"
        if self.breached or self.late:
            return "late"
        if self.state == "met":
            return "on_time"
        return "pending"

    @property
    def on_time_by_extension(self) -> bool:
        """Met on time only thanks to an extension: after the original due time, by the
        extended one."""
        return (
            self.verdict == "on_time"
            and self.extended
            and self.stopped_at is not None
            and self.original_due_at is not None
            and self.stopped_at > self.original_due_at
        )


@dataclass(frozen=True)
class Sample:
    """One measured duration: `start` (assignment to sign-for) or `resolve` (receipt to reply)."""

    measure: str
    unit: str
    at: datetime
    seconds: int


EXTENSION_OUTCOMES = ("pending", "approved", "refused", "cancelled")


@dataclass
class ExtensionRequest:
    """An owner's request for more time to resolve (`complaint.extension_requested`), known by
    the id of its event, and what became of it: `pending`, `approved`, `refused`, or
    `cancelled` (by a hand-off or the reply, before a decision)."""

    request_id: str
    unit: str  # the unit that asked
    at: datetime  # event time of the request
    until: datetime
    outcome: str = "pending"
    decided_at: datetime | None = None  # event time of the decision (or cancellation)
    applied: bool = False  # approved, and the resolve clock's due time has moved


@dataclass
class Complaint:
    complaint_id: str
    state: ComplaintState = field(default_factory=ComplaintState)  # the shared fold
    kind: str | None = None
    channel: str | None = None
    category: str | None = None  # what went wrong (None: projected before it was kept)
    severity: str | None = None
    received_at: datetime | None = None
    customer_name: str | None = None  # masked
    customer_phone: str | None = None  # masked
    prior_complaints: int = 0  # the customer's complaints in the 12 months before this one
    key_customer: bool = False
    owner_accepted: bool = False
    early_acceptance: tuple[str, datetime] | None = None  # signed for before the assignment
    classification: str | None = None
    satisfaction: int | None = None  # of the latest return visit that reached the customer
    return_visits: int = 0  # return visits recorded
    visit_reached: bool | None = None  # whether the latest return visit reached the customer
    visited_at: datetime | None = None  # when the latest return visit was made
    resolved_at: datetime | None = None
    last_event_at: datetime | None = None
    runs: list[ClockRun] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    extension_requests: list[ExtensionRequest] = field(default_factory=list)

    @property
    def repeat_complainant(self) -> bool:
        """The same customer complained in the 12 months before this complaint."""
        return self.prior_complaints >= 1

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def receiving_unit(self) -> str | None:
        return self.state.receiving_unit

    @property
    def business_line(self) -> str | None:
        return self.state.business_line

    @property
    def owner_unit(self) -> str | None:
        return self.state.owner_unit

    @property
    def owner_since(self) -> datetime | None:
        """When the current owner's stay began."""
        return self.state.owners[-1][1] if self.state.owners else None

    @property
    def handling_level(self) -> str | None:
        return self.state.handling_level

    @property
    def restricted(self) -> bool:
        return self.state.restricted

    @property
    def units_involved(self) -> list[str]:
        return list(self.state.involved)

    @property
    def involvement(self) -> Involvement:
        return self.state.involvement

    @property
    def registered(self) -> bool:
        """Its `complaint.received` has been seen (a stub otherwise)."""
        return self.state.registered and self.received_at is not None

    @property
    def open(self) -> bool:
        return self.registered and self.state.open

    @property
    def responsible_unit(self) -> str | None:
        """Who has to act now: the owner, or the receiving unit until one is assigned."""
        return self.owner_unit or self.receiving_unit

    @property
    def extended(self) -> bool:
        """An extension of the resolve deadline was approved."""
        return any(r.outcome == "approved" for r in self.extension_requests)

    def latest_run(self, clock: str) -> ClockRun | None:
        runs = [r for r in self.runs if r.clock == clock]
        return max(runs, key=lambda r: r.run) if runs else None
