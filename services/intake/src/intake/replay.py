"""`python -m intake replay [--check]`: intake's read model (complaint views, clock views,
timeline entries) rebuilt from the whole log by intake's own projection (`Projection.project`,
the live consumer's handler) on in-memory stores.

The command side (registered complaints, sealed data, keys) is not a projection of the log and
is not replayed: the projection's fold into it (`fold_foreign`) finds nothing registered here.
`--check` compares with the live tables; without it the rebuilt tables are written to the
schema `replay` (docs/replay.md).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Any

from complaints_shared.contracts.base import Event
from complaints_shared.organisation import Organisation, load_organisation
from complaints_shared.replay.command import Replay, run_replay
from complaints_shared.replay.compare import Compared, Row
from complaints_shared.replay.copies import column_defaults, in_utc
from complaints_shared.replay.journal import Journal
from complaints_shared.workflow.lifecycle import ComplaintState, from_json

from .adapters.registry import Registered
from .adapters.tables import clock_views, complaint_views, timeline_entries
from .adapters.views import LIVE_CLOCK_STATES, snapshot_json
from .config import IntakeSettings
from .service_layer.projection import ERASED, Projection

VIEWS, CLOCKS, ENTRIES, TIMELINE = "views", "clocks", "entries", "timeline"
WRITTEN = "processing time: when the live consumer wrote the row"
COMPARED = (
    Compared(complaint_views, ("complaint_id",), ignored={"updated_at": WRITTEN}),
    Compared(clock_views, ("complaint_id", "clock"), ignored={"updated_at": WRITTEN}),
    Compared(
        timeline_entries,
        ("event_id",),
        ignored={
            "position": "processing order: partitions are applied concurrently live",
            "recorded_at": "processing time: when the live consumer recorded the event "
            "(and the updated_at times inside view_after)",
        },
        prepare=lambda row: {**row, "view_after": _without_write_times(row["view_after"])},
    ),
)


class ReplayViews:
    """The `ViewStore` on the replay's journal: rows as `SqlViews` writes them (times in UTC,
    columns at their defaults), processing-time columns left empty."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.view_defaults = column_defaults(complaint_views)
        self.clock_defaults = column_defaults(clock_views)

    async def add_timeline_entry(self, **values: Any) -> None:
        cid, event_id = values["complaint_id"], values["event_id"]
        row = {"recorded_at": None, "view_after": None, **in_utc(values)}
        self.journal.put(ENTRIES, event_id, row)
        self.journal.put(TIMELINE, cid, (*self.journal.get(TIMELINE, cid, ()), event_id))

    async def snapshot(self, complaint_id: str) -> dict[str, Any] | None:
        view = self.journal.get(VIEWS, complaint_id)
        if view is None:
            return None
        clocks = sorted(
            self.journal.get(CLOCKS, complaint_id, {}).values(),
            key=lambda c: (c["started_at"] is None, c["started_at"] or 0, c["clock"]),
        )
        return snapshot_json(view, clocks)

    async def lock_state(self, complaint_id: str) -> ComplaintState | None:
        view = self.journal.get(VIEWS, complaint_id)
        if view is None:
            return None
        return from_json(view["state"]) if view["state"] else ComplaintState()

    async def upsert_view(self, complaint_id: str, values: dict[str, Any]) -> None:
        view = self.journal.get(VIEWS, complaint_id) or {
            **self.view_defaults,
            "complaint_id": complaint_id,
        }
        self.journal.put(VIEWS, complaint_id, {**view, **in_utc(values)})

    async def upsert_clock(self, complaint_id: str, clock: str, values: dict[str, Any]) -> None:
        clocks = self.journal.get(CLOCKS, complaint_id, {})
        row = clocks.get(clock) or {
            **self.clock_defaults,
            "complaint_id": complaint_id,
            "clock": clock,
            "state": "running",
        }
        self.journal.put(CLOCKS, complaint_id, {**clocks, clock: {**row, **in_utc(values)}})

    async def forget_customer(self, complaint_id: str) -> None:
        view = self.journal.get(VIEWS, complaint_id)
        if view is not None:
            self.journal.put(VIEWS, complaint_id, {**view, "customer": ERASED})
        for event_id in self.journal.get(TIMELINE, complaint_id, ()):
            entry = dict(self.journal.get(ENTRIES, event_id))
            if entry["type"] == "complaint.received":
                data = {k: v for k, v in entry["data"].items() if k not in _SEALED}
                entry["data"] = {**data, "customer": ERASED}
            after = entry["view_after"]
            if after is not None and "view" in after:
                entry["view_after"] = {**after, "view": {**after["view"], "customer": ERASED}}
            self.journal.put(ENTRIES, event_id, entry)

    async def refresh_next_due(self, complaint_id: str) -> None:
        view = self.journal.get(VIEWS, complaint_id)
        if view is None:
            return
        live = [
            c
            for c in self.journal.get(CLOCKS, complaint_id, {}).values()
            if c["state"] in LIVE_CLOCK_STATES and c["due_at"] is not None
        ]
        earliest = min(live, key=lambda c: (c["due_at"], c["clock"]), default=None)
        next_due = (
            None
            if earliest is None
            else {
                "clock": earliest["clock"],
                "due_at": earliest["due_at"].isoformat(),
                "state": earliest["state"],
                "owner_unit": earliest["owner_unit"],
            }
        )
        due = earliest["due_at"] if earliest else None
        self.journal.put(
            VIEWS,
            complaint_id,
            {**view, "next_due_at": due, "due_order": due or datetime.max, "next_due": next_due},
        )


class NothingRegistered:
    """The command side during a replay: no complaint is registered, nothing is folded in."""

    async def lock(self, complaint_id: str) -> Registered | None:
        return None

    async def save_state(self, complaint_id: str, state: ComplaintState) -> None:
        raise AssertionError("nothing is registered during a replay")


def intake_replay(org: Organisation) -> Replay:
    journal = Journal()
    views, commands = ReplayViews(journal), NothingRegistered()
    projection = Projection(org, stores=lambda session: (views, commands))

    def rows(written_at: datetime) -> dict:
        return {
            complaint_views: [
                {**view, "updated_at": written_at} for _, view in journal.rows(VIEWS)
            ],
            clock_views: [
                {**clock, "updated_at": written_at}
                for _, clocks in journal.rows(CLOCKS)
                for clock in clocks.values()
            ],
            timeline_entries: [
                {**entry, "recorded_at": written_at} for _, entry in journal.rows(ENTRIES)
            ],
        }

    return Replay("intake", {Event: projection.project}, journal, COMPARED, rows)


def replay(settings: IntakeSettings, args: argparse.Namespace) -> int:
    org = load_organisation(settings.org_directory)
    return asyncio.run(
        run_replay(
            intake_replay(org),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            database_url=settings.database_url,
            check=args.check,
        )
    )


_SEALED = ("summary", "asks_for", "sealed")  # what erasure takes out of the received entry


def _without_write_times(after: Row | None) -> Row | None:
    """A `view_after` without the times its rows were written at."""
    if not after or "view" not in after:
        return after
    clocks = [{k: v for k, v in c.items() if k != "updated_at"} for c in after.get("clocks", ())]
    view = {k: v for k, v in after["view"].items() if k != "updated_at"}
    return {**after, "view": view, "clocks": clocks}
