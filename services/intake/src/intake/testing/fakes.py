"""In-memory `ViewStore` and `CommandStore`: the same behaviour as the SQL adapters."""

from __future__ import annotations

from typing import Any

from complaints_shared.workflow.lifecycle import ComplaintState, from_json, to_json

from ..adapters.registry import Registered
from ..adapters.views import LIVE_CLOCK_STATES


class FakeViews:
    def __init__(self) -> None:
        self.timeline: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.clocks: dict[tuple[str, str], dict[str, Any]] = {}

    async def add_timeline_entry(self, **values: Any) -> None:
        if any(entry["event_id"] == values["event_id"] for entry in self.timeline):
            raise ValueError(f"duplicate event {values['event_id']}")
        self.timeline.append({"position": len(self.timeline) + 1, **values})

    async def lock_state(self, complaint_id: str) -> ComplaintState | None:
        view = self.views.get(complaint_id)
        if view is None:
            return None
        return from_json(view["state"]) if view.get("state") else ComplaintState()

    async def upsert_view(self, complaint_id: str, values: dict[str, Any]) -> None:
        self.views.setdefault(complaint_id, {"complaint_id": complaint_id}).update(values)

    async def upsert_clock(self, complaint_id: str, clock: str, values: dict[str, Any]) -> None:
        row = self.clocks.setdefault((complaint_id, clock), {"state": "running", "clock": clock})
        row.update(values)

    async def refresh_next_due(self, complaint_id: str) -> None:
        live = [
            row
            for (cid, _), row in self.clocks.items()
            if cid == complaint_id and row["state"] in LIVE_CLOCK_STATES and row.get("due_at")
        ]
        earliest = min(live, key=lambda row: (row["due_at"], row["clock"]), default=None)
        self.views[complaint_id]["next_due_at"] = earliest["due_at"] if earliest else None


class FakeCommandStore:
    def __init__(self) -> None:
        self.states: dict[str, dict[str, Any]] = {}
        self.received_event_ids: dict[str, str] = {}

    def register(self, complaint_id: str, received_event_id: str, state: ComplaintState) -> None:
        self.states[complaint_id] = to_json(state)
        self.received_event_ids[complaint_id] = received_event_id

    async def lock(self, complaint_id: str) -> Registered | None:
        if complaint_id not in self.states:
            return None
        state = from_json(self.states[complaint_id])
        return Registered(complaint_id, self.received_event_ids[complaint_id], state)

    async def save_state(self, complaint_id: str, state: ComplaintState) -> None:
        self.states[complaint_id] = to_json(state)
