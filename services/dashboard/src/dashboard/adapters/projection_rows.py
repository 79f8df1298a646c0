"""A complaint as the projection's rows and back, without SQL: what `SqlProjection` writes and
reads, what the in-memory fake keeps the same way, and what a replay compares.

- `complaints`: `complaint_values` and `complaint_of`;
- `clock_runs` and `samples`: `run_rows` and `sample_rows`, `run_of` and `sample_of`;
- `complaint_snapshots`: `snapshot_columns`;
- `in_read_order`: runs and samples in the order a read gives them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from complaints_shared.workflow.lifecycle import from_json, to_json

from ..domain.live import AFTER_RESOLUTION
from ..domain.model import ClockRun, Complaint, Sample
from . import snapshots
from .tables import clock_runs, complaints

# Copies of the shared state, written for the filters and indexes, never read back.
_FROM_STATE = (
    "receiving_unit",
    "business_line",
    "status",
    "owner_unit",
    "handling_level",
    "owner_since",
    "restricted",
    "units_involved",
)
_COLUMNS = [
    c.name
    for c in complaints.columns
    if c.name not in ("complaint_id", "updated_at", "state", "extension_requests", *_FROM_STATE)
]
RUN_COLUMNS = [c.name for c in clock_runs.columns if c.name != "complaint_id"]


def complaint_of(row: Mapping[str, Any]) -> Complaint:
    """The complaint of a `complaints` row (without its clock runs and samples)."""
    values = {name: row[name] for name in _COLUMNS}
    early = values.pop("early_acceptance")
    complaint = Complaint(row["complaint_id"], from_json(row["state"]), **values)
    complaint.extension_requests = snapshots.requests_from_json(row["extension_requests"])
    if early:
        complaint.early_acceptance = (early[0], datetime.fromisoformat(early[1]))
    return complaint


def complaint_values(complaint: Complaint) -> dict[str, Any]:
    """The complaint's `complaints` row but its id and `updated_at`."""
    values: dict[str, Any] = {n: getattr(complaint, n) for n in (*_COLUMNS, *_FROM_STATE)}
    values["state"] = to_json(complaint.state)
    early = complaint.early_acceptance
    values["early_acceptance"] = [early[0], early[1].isoformat()] if early else None
    values["extension_requests"] = snapshots.requests_to_json(complaint.extension_requests)
    return values


def run_rows(complaint: Complaint) -> list[dict[str, Any]]:
    """The complaint's `clock_runs` rows."""
    cid = complaint.complaint_id
    return [
        {"complaint_id": cid, **{n: getattr(r, n) for n in RUN_COLUMNS}} for r in complaint.runs
    ]


def run_of(row: Mapping[str, Any]) -> ClockRun:
    """The clock run of a `clock_runs` row."""
    return ClockRun(**{n: row[n] for n in RUN_COLUMNS})


def sample_rows(complaint: Complaint) -> list[dict[str, Any]]:
    """The complaint's `samples` rows (a (measure, unit) stored before is kept as it was)."""
    return [
        {
            "complaint_id": complaint.complaint_id,
            "measure": s.measure,
            "unit": s.unit,
            "at": s.at,
            "seconds": s.seconds,
        }
        for s in complaint.samples
    ]


def sample_of(row: Mapping[str, Any]) -> Sample:
    """The sample of a `samples` row."""
    return Sample(row["measure"], row["unit"], row["at"], row["seconds"])


def snapshot_columns(complaint: Complaint) -> dict[str, Any]:
    """A snapshot row's values but for its id and time: the complaint, and copies to filter on."""
    return {
        "complaint": snapshots.to_json(complaint),
        "received_at": complaint.received_at,
        "status": complaint.status,
        "restricted": complaint.restricted,
        "units_involved": complaint.units_involved,
        "visit_due": visit_due(complaint),
    }


def visit_due(complaint: Complaint) -> bool:
    """A clock that runs after resolution (`live.AFTER_RESOLUTION`) is running or paused."""
    return any(r.active for r in complaint.runs if r.clock in AFTER_RESOLUTION)


def in_read_order(complaint: Complaint) -> Complaint:
    """The complaint, its runs sorted by (clock, run) and its samples by (at, measure, unit):
    a stable order, whatever order the rows came in. Sorts in place."""
    complaint.runs.sort(key=lambda r: (r.clock, r.run))
    complaint.samples.sort(key=lambda s: (s.at, s.measure, s.unit))
    return complaint
