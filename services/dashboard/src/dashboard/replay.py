"""`python -m dashboard replay [--check]`: the dashboard's projection (complaints with their
clock runs and samples, timeline entries, snapshots) rebuilt from the whole log by its own
handler (`DashboardProjection.project`, as the live consumer wires it) on an in-memory store.

The store keeps rows as `SqlProjection` writes them (`complaint_values`, `run_rows`,
`sample_rows`) and reads a complaint back as it does (`complaint_of`, times in UTC, runs and
samples in its order), so the fold sees what it sees live. `--check` compares with the live
tables; without it the rebuilt tables are written to the schema `replay` (docs/replay.md).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Any

from complaints_shared.replay.command import Replay, run_replay
from complaints_shared.replay.compare import Compared
from complaints_shared.replay.copies import in_utc
from complaints_shared.replay.journal import Journal

from .adapters.projection_rows import (
    complaint_of,
    complaint_values,
    in_read_order,
    run_of,
    run_rows,
    sample_of,
    sample_rows,
    snapshot_columns,
)
from .adapters.tables import clock_runs, complaint_snapshots, complaints, samples, timeline_entries
from .config import DashboardSettings
from .domain.model import Complaint
from .service_layer.projection import DashboardProjection

COMPLAINTS, RUNS, SAMPLES = "complaints", "runs", "samples"
ENTRIES, SNAPSHOTS, SNAPSHOTS_OF = "entries", "snapshots", "snapshots_of"
WRITTEN = "processing time: when the live consumer wrote the row"
ORDER = "processing order: partitions are applied concurrently live"
COMPARED = (
    Compared(complaints, ("complaint_id",), ignored={"updated_at": WRITTEN}),
    Compared(clock_runs, ("complaint_id", "clock", "run")),
    Compared(samples, ("complaint_id", "measure", "unit")),
    Compared(timeline_entries, ("event_id",), ignored={"position": ORDER, "recorded_at": WRITTEN}),
    Compared(
        complaint_snapshots, ("event_id",), ignored={"position": ORDER, "recorded_at": WRITTEN}
    ),
)
CLEARED = {"customer_name": None, "customer_phone": None}  # erasure, in every snapshot


class ReplayProjection:
    """The `ProjectionStore` on the replay's journal."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def add_entry(self, **values: Any) -> None:
        if (ENTRIES, values["event_id"]) not in self.journal:
            self.journal.put(ENTRIES, values["event_id"], {**in_utc(values), "recorded_at": None})

    async def load(self, complaint_id: str) -> Complaint:
        row = self.journal.get(COMPLAINTS, complaint_id)
        if row is None:
            return Complaint(complaint_id)
        complaint = complaint_of(row)
        complaint.runs = [run_of(r) for r in self.journal.get(RUNS, complaint_id, ())]
        kept = self.journal.get(SAMPLES, complaint_id, {}).values()
        complaint.samples = [sample_of(s) for s in kept]
        return in_read_order(complaint)

    async def save(self, complaint: Complaint) -> None:
        cid = complaint.complaint_id
        row = {"complaint_id": cid, **in_utc(complaint_values(complaint)), "updated_at": None}
        self.journal.put(COMPLAINTS, cid, row)
        self.journal.put(RUNS, cid, tuple(in_utc(r) for r in run_rows(complaint)))
        if complaint.samples:
            kept = self.journal.get(SAMPLES, cid, {})
            new = {(s["measure"], s["unit"]): in_utc(s) for s in sample_rows(complaint)}
            self.journal.put(SAMPLES, cid, {**new, **kept})  # a stored one is kept as it was

    async def add_snapshot(self, complaint: Complaint, *, event_id: str) -> None:
        if (SNAPSHOTS, event_id) in self.journal:
            return
        cid = complaint.complaint_id
        row = {"complaint_id": cid, "event_id": event_id, "recorded_at": None}
        self.journal.put(SNAPSHOTS, event_id, {**row, **in_utc(snapshot_columns(complaint))})
        self.journal.put(SNAPSHOTS_OF, cid, (*self.journal.get(SNAPSHOTS_OF, cid, ()), event_id))

    async def forget_customer(self, complaint_id: str) -> None:
        for event_id in self.journal.get(SNAPSHOTS_OF, complaint_id, ()):
            row = self.journal.get(SNAPSHOTS, event_id)
            self.journal.put(
                SNAPSHOTS, event_id, {**row, "complaint": {**row["complaint"], **CLEARED}}
            )


def dashboard_replay() -> Replay:
    journal = Journal()
    store = ReplayProjection(journal)
    projection = DashboardProjection(lambda session: store)

    def rows(written_at: datetime) -> dict:
        def stamped(table: str, column: str) -> list[dict[str, Any]]:
            return [{**row, column: written_at} for _, row in journal.rows(table)]

        return {
            complaints: stamped(COMPLAINTS, "updated_at"),
            clock_runs: [run for _, runs in journal.rows(RUNS) for run in runs],
            samples: [s for _, kept in journal.rows(SAMPLES) for s in kept.values()],
            timeline_entries: stamped(ENTRIES, "recorded_at"),
            complaint_snapshots: stamped(SNAPSHOTS, "recorded_at"),
        }

    return Replay("dashboard", projection.registry(), journal, COMPARED, rows)


def replay(settings: DashboardSettings, args: argparse.Namespace) -> int:
    return asyncio.run(
        run_replay(
            dashboard_replay(),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            database_url=settings.database_url,
            check=args.check,
        )
    )
