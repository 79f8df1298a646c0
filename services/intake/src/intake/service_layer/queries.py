"""Reading the projection for the API: what the caller may see, in its units' local time."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.lifecycle import ComplaintState, from_json, stays
from complaints_shared.workflow.local_time import local_to
from complaints_shared.workflow.visibility import Involvement, Sight, may_see

from ..adapters.reads import ComplaintReads
from ..adapters.worklist import Position, Worklist, WorklistFilter
from ..domain.handling_form import fold_form


class NotVisible(Exception):
    """No such complaint, or not one the caller may see: the same answer, 404."""


class Queries:
    def __init__(self, org: Organisation, reads: ComplaintReads, worklist: Worklist) -> None:
        self.org = org
        self.reads = reads
        self.worklists = worklist

    async def complaint(self, caller: str, complaint_id: str) -> dict[str, Any]:
        row = await self._visible(caller, complaint_id)
        if row.get("registered_only"):  # accepted, not yet back from the log
            state = from_json(row["state"]) if row.get("state") else ComplaintState()
            public = {
                "complaint_id": complaint_id,
                "status": state.status,
                "receiving_unit": row["receiving_unit"],
                "units_involved": list(state.involved),
                "clocks": [],
            }
            return local_to(self.org, row["receiving_unit"], public)
        clocks = [
            local_to(
                self.org,
                clock["owner_unit"],
                {
                    "name": clock["clock"],
                    "state": clock["state"],
                    "owner_unit": clock["owner_unit"],
                    "started_at": clock["started_at"],
                    "due_at": clock["due_at"],
                    "late": clock["late"],
                },
            )
            for clock in row["clocks"]
        ]
        public = {k: v for k, v in row.items() if k not in ("state", "clocks", "provinces")}
        public["units_involved"] = list(row["units_involved"])
        public = local_to(self.org, row["receiving_unit"], public)
        public["next_due"] = self._next_due(row.get("next_due"))
        public["clocks"] = clocks
        return public

    async def timeline(self, caller: str, complaint_id: str, now: datetime) -> dict[str, Any]:
        row = await self._visible(caller, complaint_id)
        entries = await self.reads.timeline(complaint_id)
        state = from_json(row["state"]) if row.get("state") else ComplaintState()
        handoffs = [
            {
                "from_unit": entry["data"]["from_unit"],
                "to_unit": entry["data"]["to_unit"],
                "why": entry["data"]["reason"],
                "at": entry["time"],
            }
            for entry in entries
            if entry["type"] in ("complaint.transferred", "complaint.escalated")
        ]
        events = [
            {key: entry[key] for key in ("position", "event_id", "type", "time", "source", "data")}
            for entry in entries
        ]
        public = {
            "complaint_id": complaint_id,
            "events": events,
            "handoffs": handoffs,
            "stays": [stay.__dict__ for stay in stays(state, now)],
        }
        return local_to(self.org, row["receiving_unit"], public, strings=True)

    async def form(self, caller: str, complaint_id: str, now: datetime) -> dict[str, Any]:
        """The handling form so far (`draft` until resolved), in the receiving unit's time."""
        row = await self._visible(caller, complaint_id)
        entries = await self.reads.timeline(complaint_id)
        form = fold_form(complaint_id, entries, self.org, now)
        return local_to(self.org, row["receiving_unit"], asdict(form))

    async def worklist(
        self, sight: Sight, wanted: WorklistFilter, after: Position | None, limit: int
    ) -> tuple[list[dict[str, Any]], Position | None]:
        """One page of the worklist and where the next one starts (None: this is the last)."""
        rows = await self.worklists.page(sight, wanted, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        items = []
        for row in rows:
            item = {k: row[k] for k in row if k not in ("next_due", "next_due_at")}
            item = local_to(self.org, row["receiving_unit"], item)
            item["next_due"] = self._next_due(row["next_due"])
            items.append(item)
        last = rows[-1] if more and rows else None
        return items, (Position(last["next_due_at"], last["complaint_id"]) if last else None)

    def _next_due(self, next_due: dict[str, Any] | None) -> dict[str, Any] | None:
        if next_due is None:
            return None
        return local_to(self.org, next_due.get("owner_unit"), next_due, strings=True)

    async def _visible(self, caller: str, complaint_id: str) -> dict[str, Any]:
        row = await self.reads.complaint(complaint_id)
        if row is None:
            raise NotVisible(complaint_id)
        if row.get("registered_only"):
            state = from_json(row["state"]) if row.get("state") else None
            involvement = (
                state.involvement if state else Involvement(frozenset({row["receiving_unit"]}))
            )
        else:
            involvement = Involvement(frozenset(row["units_involved"]), row["restricted"])
        if not may_see(self.org, caller, involvement):
            raise NotVisible(complaint_id)
        return row
