"""What the dashboard knows of one complaint: plain data folded from its events (see `fold`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

FINAL_STATUSES = frozenset({"resolved", "closed"})


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

    @property
    def active(self) -> bool:
        return self.state in ("running", "paused")

    @property
    def verdict(self) -> str:
        """`on_time`, `late`, or `pending` (still open, or cancelled before its due time)."""
        if self.breached or self.late:
            return "late"
        if self.state == "met":
            return "on_time"
        return "pending"


@dataclass(frozen=True)
class Sample:
    """One measured duration: `start` (assignment to sign-for) or `resolve` (receipt to reply)."""

    measure: str
    unit: str
    at: datetime
    seconds: int


@dataclass
class Complaint:
    complaint_id: str
    kind: str | None = None
    channel: str | None = None
    receiving_unit: str | None = None
    business_line: str | None = None
    severity: str | None = None
    received_at: datetime | None = None
    customer_name: str | None = None  # masked
    customer_phone: str | None = None  # masked
    status: str = "unknown"
    owner_unit: str | None = None
    handling_level: str | None = None
    owner_since: datetime | None = None
    owner_accepted: bool = False
    early_acceptance: tuple[str, datetime] | None = None  # signed for before the assignment
    restricted: bool = False
    units_involved: list[str] = field(default_factory=list)
    classification: str | None = None
    satisfaction: int | None = None
    resolved_at: datetime | None = None
    last_event_at: datetime | None = None
    runs: list[ClockRun] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    @property
    def registered(self) -> bool:
        """Its `complaint.received` has been seen (a stub otherwise)."""
        return self.received_at is not None and self.receiving_unit is not None

    @property
    def open(self) -> bool:
        return self.registered and self.status not in FINAL_STATUSES

    @property
    def responsible_unit(self) -> str | None:
        """Who has to act now: the owner, or the receiving unit until one is assigned."""
        return self.owner_unit or self.receiving_unit

    def latest_run(self, clock: str) -> ClockRun | None:
        runs = [r for r in self.runs if r.clock == clock]
        return max(runs, key=lambda r: r.run) if runs else None
