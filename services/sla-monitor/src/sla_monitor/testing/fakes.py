"""In-memory stores with the behaviour of the SQL adapters, for fast tests without a database.

`FakeDatabase` holds the SLA monitor's tables as dicts (states as the JSON the columns hold);
each fake reads and writes one, so what a handler saves the API reads back. Locks are not
modelled: a fake serves one task at a time. `fake_stores()` wires them as `Stores`.
The contract tests (tests/integration/test_*_contract.py) hold fakes and SQL to the same cases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts.envelope import Envelope
from complaints_shared.workflow.lifecycle import ComplaintState, from_json, to_json

from ..adapters.clock_queries import Row
from ..adapters.clock_store import ClockRow, DueComplaint, breach_rows, clock_rows
from ..adapters.projection_store import DueTimes
from ..adapters.stores import Stores
from ..domain import clocks as k


@dataclass
class StoredClocks:
    """A row of `complaint_clocks`."""

    partition: int
    state: dict[str, Any]
    next_timer: datetime | None


@dataclass
class FakeDatabase:
    complaint_clocks: dict[str, StoredClocks] = field(default_factory=dict)
    clocks: dict[tuple[str, str], ClockRow] = field(default_factory=dict)
    breaches: dict[tuple[str, str, int], ClockRow] = field(default_factory=dict)
    complaint_states: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    processed: set[str] = field(default_factory=set)


class FakeClockStore:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def load(self, complaint_id: str) -> k.ComplaintClocks:
        stored = self.db.complaint_clocks.get(complaint_id)
        return k.from_json(stored.state) if stored else k.ComplaintClocks()

    async def save(
        self,
        complaint_id: str,
        partition: int,
        state: k.ComplaintClocks,
        effects: Sequence[k.ClockEffect],
        calendars: k.Calendars,
    ) -> None:
        self.db.complaint_clocks[complaint_id] = StoredClocks(
            partition, k.to_json(state), k.next_timer(state)
        )
        for key in [key for key in self.db.clocks if key[0] == complaint_id]:
            del self.db.clocks[key]
        for row in clock_rows(complaint_id, state, calendars):
            self.db.clocks[(complaint_id, row["clock"])] = row
        for row in breach_rows(complaint_id, effects):
            self.db.breaches.setdefault((complaint_id, row["clock"], row["run"]), row)

    async def claim_due(
        self, partitions: Collection[int], now: datetime, limit: int
    ) -> list[DueComplaint]:
        due = [
            (stored.next_timer, cid, stored)
            for cid, stored in self.db.complaint_clocks.items()
            if stored.next_timer is not None
            and stored.next_timer <= now
            and stored.partition in partitions
        ]
        due.sort(key=lambda item: item[0])
        return [
            DueComplaint(cid, stored.partition, k.from_json(stored.state))
            for _, cid, stored in due[:limit]
        ]

    async def next_timer(self, partitions: Collection[int]) -> datetime | None:
        timers = [
            stored.next_timer
            for stored in self.db.complaint_clocks.values()
            if stored.partition in partitions and stored.next_timer is not None
        ]
        return min(timers, default=None)


class FakeComplaintStates:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def load_for_update(self, complaint_id: str) -> ComplaintState:
        data = self.db.complaint_states.get(complaint_id)
        return from_json(data) if data is not None else ComplaintState()

    async def load_many(self, complaint_ids: Collection[str]) -> dict[str, ComplaintState]:
        states = self.db.complaint_states
        return {cid: from_json(states[cid]) for cid in complaint_ids if cid in states}

    async def save(self, complaint_id: str, state: ComplaintState) -> None:
        self.db.complaint_states[complaint_id] = to_json(state)


class FakeProjectionStore:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def fingerprint(self) -> str | None:
        return self.db.meta.get("fingerprint")

    async def set_fingerprint(self, value: str) -> None:
        self.db.meta["fingerprint"] = value

    async def has_clocks(self) -> bool:
        return bool(self.db.complaint_clocks)

    async def has_complaint_states(self) -> bool:
        return bool(self.db.complaint_states)

    async def running_due_times(self) -> DueTimes:
        return {
            (row["complaint_id"], row["clock"], row["run"]): row["due_at"]
            for row in self.db.clocks.values()
            if row["status"] == "running"
        }

    async def all_clock_rows(self) -> dict[tuple[str, str], ClockRow]:
        return {key: dict(row) for key, row in self.db.clocks.items()}

    async def clear(self) -> None:
        self.db.complaint_clocks.clear()
        self.db.clocks.clear()
        self.db.breaches.clear()
        self.db.complaint_states.clear()

    async def save_complaint_states(self, states: Mapping[str, ComplaintState]) -> None:
        for cid, state in states.items():
            self.db.complaint_states[cid] = to_json(state)

    async def mark_applied(self, event_ids: Sequence[str]) -> None:
        self.db.processed.update(event_ids)


class FakeClockReads:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def complaint(self, complaint_id: str) -> tuple[ComplaintState | None, list[ClockRow]]:
        data = self.db.complaint_states.get(complaint_id)
        if data is None:
            return None, []
        rows = [row for (cid, _), row in self.db.clocks.items() if cid == complaint_id]
        return from_json(data), [dict(row) for row in sorted(rows, key=lambda r: r["clock"])]

    async def due(self, owners: Collection[str], until: datetime) -> list[Row]:
        rows = [
            row
            for row in self.db.clocks.values()
            if row["status"] == "running"
            and not row["breached"]
            and row["due_at"] is not None
            and row["due_at"] <= until
            and row["owner_unit"] in owners
        ]
        return self._with_states(rows)

    async def breaches(
        self, owners: Collection[str], start: datetime | None, end: datetime | None
    ) -> list[Row]:
        rows = [
            row
            for row in self.db.breaches.values()
            if row["owner_unit"] in owners
            and (start is None or row["due_at"] >= start)
            and (end is None or row["due_at"] < end)
        ]
        return self._with_states(rows)

    def _with_states(self, rows: Iterable[ClockRow]) -> list[Row]:
        """The rows of complaints with a state, by due time, complaint id and clock."""
        ordered = sorted(rows, key=lambda r: (r["due_at"], r["complaint_id"], r["clock"]))
        states = self.db.complaint_states
        return [
            Row(dict(row), from_json(states[row["complaint_id"]]))
            for row in ordered
            if row["complaint_id"] in states
        ]


class FakeOutbox:
    """The events appended, in order; an id already there is kept as it was."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def append(self, session: AsyncSession, envelopes: Iterable[Envelope]) -> None:
        known = {envelope.id for envelope in self.envelopes}
        for envelope in envelopes:
            if envelope.id not in known:
                known.add(envelope.id)
                self.envelopes.append(envelope)

    def types(self) -> list[str]:
        return [envelope.type for envelope in self.envelopes]


# Fakes ignore the session they are bound to; handlers only pass it on.
NO_SESSION = cast(AsyncSession, None)


@asynccontextmanager
async def _transaction() -> AsyncIterator[AsyncSession]:
    yield NO_SESSION


def fake_stores(db: FakeDatabase | None = None, outbox: FakeOutbox | None = None) -> Stores:
    """`Stores` over `db` and `outbox` (new, empty ones by default)."""
    db = db if db is not None else FakeDatabase()
    return Stores(
        transaction=_transaction,
        clocks=lambda _session: FakeClockStore(db),
        complaint_states=lambda _session: FakeComplaintStates(db),
        projection=lambda _session: FakeProjectionStore(db),
        outbox=outbox if outbox is not None else FakeOutbox(),
    )
