"""In-memory stand-ins for intake's stores, with the behaviour of the SQL adapters (the contract
tests in services/intake/tests/integration run the same cases against both).

`FakeViews` (`ViewStore`) and `FakeCommandStore` (`CommandStore`, and through `transaction` the
`Registry` of `Submissions`) hold the rows; `FakeComplaintReads` (`ComplaintReads`) and
`FakeWorklist` (`Worklist`) read them back as the queries' SQL does.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from complaints_shared.contracts.envelope import Envelope
from complaints_shared.workflow.lifecycle import ComplaintState, from_json, to_json
from complaints_shared.workflow.visibility import Sight

from ..adapters.reads import ENTRY_COLUMNS
from ..adapters.registry import ClaimedKey, Locker, Registered, Registry
from ..adapters.views import LIVE_CLOCK_STATES, snapshot_from_json, snapshot_json
from ..adapters.worklist import DISSATISFIED, Position, WorklistFilter

INFINITY = datetime.max  # PostgreSQL's 'infinity' as asyncpg reads it: naive, the latest time
Clock = Callable[[], datetime]  # the database's now(): the time a row is recorded


def wall_clock() -> datetime:
    return datetime.now(UTC)


# The columns of `complaint_views` and `clock_views` with their defaults.
VIEW_DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(
        (
            "status kind channel receiving_unit business_line severity received_at customer "
            "owner_unit handling_level classification satisfaction updated_at state category "
            "handler_id handler next_due_at next_due"
        ).split()
    ),
    "prior_complaints": 0,
    "repeat_complainant": False,
    "flags": [],
    "restricted": False,
    "units_involved": [],
    "provinces": [],
    "due_order": INFINITY,
    "extension_deciders": [],
}
CLOCK_DEFAULTS: dict[str, Any] = {
    "state": "running",
    "owner_unit": None,
    "started_at": None,
    "due_at": None,
    "late": False,
    "calendar": None,
    "updated_at": None,
}
# What a worklist item carries (the SQL worklist's columns).
WORKLIST_COLUMNS = (
    "complaint_id status owner_unit handling_level receiving_unit business_line category "
    "channel received_at handler next_due next_due_at"
).split()


class FakeViews:
    def __init__(self, now: Clock = wall_clock) -> None:
        self.timeline: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.clocks: dict[tuple[str, str], dict[str, Any]] = {}
        self.now = now

    async def add_timeline_entry(self, **values: Any) -> None:
        if any(entry["event_id"] == values["event_id"] for entry in self.timeline):
            raise ValueError(f"duplicate event {values['event_id']}")
        entry = {"recorded_at": self.now(), "view_after": None, **copy.deepcopy(values)}
        self.timeline.append({"position": len(self.timeline) + 1, **entry})

    async def snapshot(self, complaint_id: str) -> dict[str, Any] | None:
        view = self.views.get(complaint_id)
        if view is None:
            return None
        clocks = [row for (cid, _), row in self.clocks.items() if cid == complaint_id]
        clocks.sort(key=lambda row: (_time_key(row["started_at"] or INFINITY), row["clock"]))
        return snapshot_json(view, clocks)

    async def lock_state(self, complaint_id: str) -> ComplaintState | None:
        view = self.views.get(complaint_id)
        if view is None:
            return None
        return from_json(view["state"]) if view.get("state") else ComplaintState()

    async def upsert_view(self, complaint_id: str, values: dict[str, Any]) -> None:
        view = self.views.setdefault(complaint_id, {"complaint_id": complaint_id, **VIEW_DEFAULTS})
        view.update(values, updated_at=datetime.now(UTC))

    async def upsert_clock(self, complaint_id: str, clock: str, values: dict[str, Any]) -> None:
        new = {"complaint_id": complaint_id, "clock": clock, **CLOCK_DEFAULTS}
        row = self.clocks.setdefault((complaint_id, clock), new)
        row.update(values, updated_at=datetime.now(UTC))

    async def forget_customer(self, complaint_id: str) -> None:
        if complaint_id in self.views:
            self.views[complaint_id]["customer"] = {"erased": True}
        for entry in self.timeline:
            if entry["complaint_id"] != complaint_id:
                continue
            if entry["type"] == "complaint.received":
                data = entry["data"]
                for name in ("summary", "asks_for", "sealed"):
                    data.pop(name, None)
                data["customer"] = {"erased": True}
            if entry["view_after"] is not None and "view" in entry["view_after"]:
                entry["view_after"]["view"]["customer"] = {"erased": True}

    async def refresh_next_due(self, complaint_id: str) -> None:
        view = self.views.get(complaint_id)
        if view is None:
            return
        live = [
            row
            for (cid, _), row in self.clocks.items()
            if cid == complaint_id and row["state"] in LIVE_CLOCK_STATES and row["due_at"]
        ]
        earliest = min(live, key=lambda row: (row["due_at"], row["clock"]), default=None)
        view["next_due_at"] = earliest["due_at"] if earliest else None
        view["due_order"] = earliest["due_at"] if earliest else INFINITY
        view["next_due"] = (
            None
            if earliest is None
            else {
                "clock": earliest["clock"],
                "due_at": earliest["due_at"].astimezone(UTC).isoformat(),
                "state": earliest["state"],
                "owner_unit": earliest["owner_unit"],
            }
        )


@dataclass(frozen=True)
class RegisteredRow:
    receiving_unit: str
    posted_by: str
    received_event_id: str
    state: dict[str, Any] | None  # the command state's JSON
    created_at: datetime = field(default_factory=wall_clock)
    received_at: datetime | None = None
    sealed: dict[str, Any] | None = None
    erased_at: datetime | None = None


@dataclass(frozen=True)
class CustomerRow:
    customer_key: str
    received_at: datetime


class FakeCommandStore:
    """The command side in memory: the `CommandStore` the projection folds into directly, and,
    through `transaction()`, the `Registry` of `Submissions`, whose writes (complaints, keys,
    customers, outbox) are undone when the block raises, as a rolled-back transaction's.

    Nothing here waits, so one transaction's calls never interleave with another's: the
    customer lock of the SQL registry has nothing to do."""

    def __init__(self, now: Clock = wall_clock) -> None:
        self.now = now
        self.complaints: dict[str, RegisteredRow] = {}
        self.keys: dict[tuple[str, str, str], ClaimedKey] = {}
        self.customers: dict[str, CustomerRow] = {}  # by complaint id
        self.data_keys: dict[str, bytes] = {}  # wrapped, by complaint id
        self.outbox: list[Envelope] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Registry]:
        saved = (
            dict(self.complaints),
            dict(self.keys),
            dict(self.customers),
            dict(self.data_keys),
            list(self.outbox),
        )
        try:
            yield self
        except BaseException:
            self.complaints, self.keys, self.customers, self.data_keys, self.outbox = saved
            raise

    async def register(
        self,
        *,
        complaint_id: str,
        receiving_unit: str,
        posted_by: str,
        received_event_id: str,
        state: ComplaintState,
        received_at: datetime | None = None,
        sealed: dict[str, Any] | None = None,
        wrapped_key: bytes | None = None,
    ) -> None:
        if complaint_id in self.complaints:
            raise ValueError(f"complaint {complaint_id} already registered")
        self.complaints[complaint_id] = RegisteredRow(
            receiving_unit,
            posted_by,
            received_event_id,
            to_json(state),
            self.now(),
            received_at=received_at,
            sealed=copy.deepcopy(sealed),
        )
        if wrapped_key is not None:
            self.data_keys[complaint_id] = wrapped_key

    async def locker(self, complaint_id: str) -> Locker | None:
        row = self.complaints.get(complaint_id)
        if row is None:
            return None
        return Locker(copy.deepcopy(row.sealed), self.data_keys.get(complaint_id), row.erased_at)

    async def erase(self, complaint_id: str, at: datetime) -> bool:
        self.data_keys.pop(complaint_id, None)
        self.customers.pop(complaint_id, None)
        row = self.complaints.get(complaint_id)
        if row is None or row.erased_at is not None:
            return False
        self.complaints[complaint_id] = replace(row, erased_at=at, sealed=None)
        return True

    async def due_for_erasure(self, received_before: datetime, limit: int) -> list[str]:
        due = [
            (row.received_at, cid)
            for cid, row in self.complaints.items()
            if row.erased_at is None and row.received_at is not None
            if row.received_at < received_before
        ]
        return [cid for _, cid in sorted(due)[:limit]]

    async def lock(self, complaint_id: str) -> Registered | None:
        row = self.complaints.get(complaint_id)
        if row is None:
            return None
        state = (
            from_json(row.state)
            if row.state
            else ComplaintState(
                registered=True, receiving_unit=row.receiving_unit, involved=(row.receiving_unit,)
            )
        )
        return Registered(complaint_id, row.received_event_id, state)

    async def save_state(self, complaint_id: str, state: ComplaintState) -> None:
        if complaint_id in self.complaints:
            self.complaints[complaint_id] = replace(
                self.complaints[complaint_id], state=to_json(state)
            )

    async def claim_key(
        self, *, caller: str, scope: str, key: str, digest: str, complaint_id: str, event_id: str
    ) -> ClaimedKey | None:
        earlier = self.keys.get((caller, scope, key))
        if earlier is None:
            self.keys[caller, scope, key] = ClaimedKey(digest, complaint_id, event_id)
        return earlier

    async def count_customer_complaints(
        self, *, customer_key: str, since: datetime, before: datetime
    ) -> int:
        return sum(
            1
            for row in self.customers.values()
            if row.customer_key == customer_key and since <= row.received_at < before
        )

    async def remember_customer(
        self, *, complaint_id: str, customer_key: str, received_at: datetime
    ) -> None:
        if complaint_id in self.customers:
            raise ValueError(f"complaint {complaint_id} has a customer already")
        self.customers[complaint_id] = CustomerRow(customer_key, received_at)

    async def append(self, envelope: Envelope) -> None:
        self.outbox.append(envelope)


class FakeComplaintReads:
    """`ComplaintReads` over the in-memory views and command store."""

    def __init__(self, views: FakeViews, commands: FakeCommandStore) -> None:
        self.views = views
        self.commands = commands

    async def complaint(self, complaint_id: str) -> dict[str, Any] | None:
        view = self.views.views.get(complaint_id)
        if view is None or view["received_at"] is None:
            registered = self.commands.complaints.get(complaint_id)
            if registered is None:
                return None
            return {
                "complaint_id": complaint_id,
                "receiving_unit": registered.receiving_unit,
                "state": registered.state,
                "clocks": [],
                "registered_only": True,
            }
        clocks = [
            dict(row)
            for row in self.views.clocks.values()
            if row["complaint_id"] == view["complaint_id"]
        ]
        clocks.sort(key=lambda row: _time_key(row["started_at"] or INFINITY))  # NULLs last
        return {**view, "clocks": clocks}

    async def timeline(
        self, complaint_id: str, recorded_by: datetime | None = None
    ) -> list[dict[str, Any]]:
        entries = [
            {column: entry[column] for column in ENTRY_COLUMNS}
            for entry in self._entries(complaint_id, recorded_by)
        ]
        return sorted(entries, key=lambda entry: entry["position"])

    async def complaint_as_of(self, complaint_id: str, moment: datetime) -> dict[str, Any] | None:
        entries = self._entries(complaint_id, moment)
        entry = max(entries, key=lambda e: e["position"], default=None)
        if entry is not None and entry["view_after"] is None:
            return {"complaint_id": complaint_id, "history_missing": True}
        if entry is not None:
            past = snapshot_from_json(entry["view_after"])
            if past.get("received_at") is not None:
                return past
        registered = self.commands.complaints.get(complaint_id)
        if registered is None or registered.created_at > moment:
            return None
        return {
            "complaint_id": complaint_id,
            "receiving_unit": registered.receiving_unit,
            "state": None,
            "clocks": [],
            "registered_only": True,
        }

    def _entries(self, complaint_id: str, recorded_by: datetime | None) -> list[dict[str, Any]]:
        return [
            entry
            for entry in self.views.timeline
            if entry["complaint_id"] == complaint_id
            and (recorded_by is None or entry["recorded_at"] <= recorded_by)
        ]


class FakeWorklist:
    """`Worklist` over the in-memory views: the SQL worklist's filters, order and visibility.

    Complaint ids are compared as Python strings: PostgreSQL compares them by the database's
    collation, which agrees for the embedded server's C.UTF-8 (and for the service's UUIDs)."""

    def __init__(self, views: FakeViews) -> None:
        self.views = views

    async def page(
        self, sight: Sight, wanted: WorklistFilter, after: Position | None, limit: int
    ) -> list[dict[str, Any]]:
        rows = [
            row
            for row in self.views.views.values()
            if row["status"] in wanted.statuses
            and row["received_at"] is not None
            and _visible(row, sight)
            and self._wanted(row, wanted)
        ]
        rows.sort(key=_worklist_order)
        if after is not None:
            start = (_time_key(after.due_at or INFINITY), after.complaint_id)
            rows = [row for row in rows if _worklist_order(row) > start]
        return [{column: row[column] for column in WORKLIST_COLUMNS} for row in rows[:limit]]

    def _wanted(self, row: dict[str, Any], wanted: WorklistFilter) -> bool:
        for column, value in (
            ("owner_unit", wanted.owner_unit),
            ("receiving_unit", wanted.receiving_unit),
            ("handler_id", wanted.handler),
        ):
            if value is not None and row[column] != value:
                return False
        if wanted.awaiting is not None and not self._awaits(row, wanted.awaiting):
            return False
        if wanted.dissatisfied and row["satisfaction"] not in DISSATISFIED:
            return False
        due = row["next_due_at"]
        return wanted.due_before is None or (due is not None and due < wanted.due_before)

    def _awaits(self, row: dict[str, Any], unit: str) -> bool:
        """A live clock the unit owns, or a pending extension request it may decide."""
        return unit in row["extension_deciders"] or any(
            clock["complaint_id"] == row["complaint_id"]
            and clock["owner_unit"] == unit
            and clock["state"] in LIVE_CLOCK_STATES
            for clock in self.views.clocks.values()
        )


def _time_key(due: datetime) -> tuple[bool, datetime]:
    """`due_order` as PostgreSQL sorts it: 'infinity' after every time."""
    return (True, datetime.min.replace(tzinfo=UTC)) if due == INFINITY else (False, due)


def _worklist_order(row: dict[str, Any]) -> tuple[tuple[bool, datetime], str]:
    return _time_key(row["due_order"]), row["complaint_id"]


def _visible(row: dict[str, Any], sight: Sight) -> bool:
    """`adapters.worklist.visible_to` over a row."""
    if sight.everything or not sight.units.isdisjoint(row["units_involved"]):
        return True
    return (
        bool(sight.provinces)
        and not row["restricted"]
        and not sight.provinces.isdisjoint(row["provinces"])
    )
