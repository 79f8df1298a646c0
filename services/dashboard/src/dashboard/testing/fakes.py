"""`FakeProjection`: the dashboard's `ProjectionStore` and `ProjectionReader` in memory.

It behaves as `SqlProjection` does (the same contract tests run against both), so handlers
and read paths can be tested without PostgreSQL:

    store = FakeProjection()
    DashboardProjection(store.stores)        # the handler, writing to it
    DashboardQueries(org, store.reading)     # the read paths, reading from it
    ChangeFeed(url, store.reading)           # the change feed's version
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from complaints_shared.contracts.base import Event

from ..adapters import snapshots
from ..adapters.projection_interfaces import Change, ProjectionReader
from ..adapters.projection_rows import in_read_order, snapshot_columns, visit_due
from ..domain.fold import apply
from ..domain.model import FINAL_STATUSES, Complaint
from ..domain.scope import Reach
from ..domain.timeline import Entry, public_data


def ticking_clock(start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> Callable[[], datetime]:
    """A clock that moves a microsecond at each reading, as commits follow one another."""
    ticks = itertools.count()
    return lambda: start + timedelta(microseconds=next(ticks))


@dataclass(frozen=True)
class Snapshot:
    """A row of `complaint_snapshots`: the complaint as JSON, as the SQL store keeps it."""

    position: int
    complaint_id: str
    event_id: str | None
    recorded_at: datetime
    columns: dict[str, Any]  # `snapshot_columns`


class FakeProjection:
    """Complaints with their timeline entries, when each last changed (`updated`), and the
    snapshots after each event. `clock` tells processing time (`recorded_at`, `updated`)."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or ticking_clock()
        self.complaints: dict[str, Complaint] = {}
        self.timelines: dict[str, list[Entry]] = {}
        self.event_ids: set[str] = set()
        self.updated: dict[str, datetime] = {}
        self.snapshots: list[Snapshot] = []

    # -- wiring ---------------------------------------------------------------------------
    def stores(self, session: object = None) -> FakeProjection:
        """For `DashboardProjection`: the store on the consumer's session (ignored here)."""
        return self

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[ProjectionReader]:
        """For `DashboardQueries` and `ChangeFeed`: a reader for one unit of work."""
        yield self

    def record(
        self, complaint_id: str, *steps: tuple[Event, datetime], updated: datetime
    ) -> Complaint:
        """Fold (event, event time) pairs into the complaint as the projection does, and say
        when it last changed: a shortcut for read-path tests."""
        complaint = self.complaints.get(complaint_id, Complaint(complaint_id))
        for event, when in steps:
            complaint = apply(complaint, event, when)
            data = public_data(event.model_dump(mode="json"))
            entry = Entry(event.NAME, when, data, updated)
            self.timelines.setdefault(complaint_id, []).append(entry)
            self._snapshot(complaint, None, updated)
        self.complaints[complaint_id] = complaint
        self.updated[complaint_id] = updated
        return complaint

    # -- ProjectionStore ------------------------------------------------------------------
    async def add_entry(
        self,
        *,
        complaint_id: str,
        event_id: str,
        type: str,
        time: datetime,
        source: str,
        data: dict[str, Any],
    ) -> None:
        if event_id in self.event_ids:
            return
        self.event_ids.add(event_id)
        entry = Entry(type, time, deepcopy(data), self.clock())
        self.timelines.setdefault(complaint_id, []).append(entry)

    async def load(self, complaint_id: str) -> Complaint:
        found = self.complaints.get(complaint_id)
        return in_read_order(deepcopy(found)) if found else Complaint(complaint_id)

    async def save(self, complaint: Complaint) -> None:
        saved = deepcopy(complaint)
        before = self.complaints.get(complaint.complaint_id)
        if before is not None:  # a sample once measured stays, as the table's key says
            kept = {(s.measure, s.unit) for s in before.samples}
            saved.samples = before.samples + [
                s for s in saved.samples if (s.measure, s.unit) not in kept
            ]
        self.complaints[complaint.complaint_id] = saved
        self.updated[complaint.complaint_id] = self.clock()

    async def add_snapshot(self, complaint: Complaint, *, event_id: str) -> None:
        if any(s.event_id == event_id for s in self.snapshots):
            return
        self._snapshot(complaint, event_id, self.clock())

    def _snapshot(self, complaint: Complaint, event_id: str | None, recorded_at: datetime) -> None:
        columns = deepcopy(snapshot_columns(complaint))
        snapshot = Snapshot(
            len(self.snapshots) + 1, complaint.complaint_id, event_id, recorded_at, columns
        )
        self.snapshots.append(snapshot)

    async def forget_customer(self, complaint_id: str) -> None:
        for snapshot in self.snapshots:
            if snapshot.complaint_id == complaint_id:
                complaint = snapshot.columns["complaint"]
                complaint["customer_name"] = complaint["customer_phone"] = None

    # -- ProjectionReader -----------------------------------------------------------------
    async def in_scope(
        self, reach: Reach | None, received_from: datetime, received_to: datetime
    ) -> list[Complaint]:
        def recent(c: Complaint) -> bool:
            return c.received_at is not None and received_from <= c.received_at < received_to

        return [
            in_read_order(deepcopy(c))
            for c in self.complaints.values()
            if _within(reach, c) and (c.status not in FINAL_STATUSES or recent(c) or visit_due(c))
        ]

    async def one(self, complaint_id: str) -> Complaint | None:
        found = self.complaints.get(complaint_id)
        return in_read_order(deepcopy(found)) if found else None

    async def in_scope_at(
        self,
        reach: Reach | None,
        received_from: datetime,
        received_to: datetime,
        moment: datetime,
    ) -> list[Complaint]:
        def wanted(columns: dict[str, Any]) -> bool:
            received = columns["received_at"]
            recent = received is not None and received_from <= received < received_to
            return columns["status"] not in FINAL_STATUSES or recent or columns["visit_due"]

        latest = self._latest(moment)
        return [
            snapshots.from_json(deepcopy(latest[cid].columns["complaint"]))
            for cid in sorted(latest)
            if _within_columns(reach, latest[cid].columns) and wanted(latest[cid].columns)
        ]

    async def one_at(self, complaint_id: str, moment: datetime) -> Complaint | None:
        found = self._latest(moment).get(complaint_id)
        return snapshots.from_json(deepcopy(found.columns["complaint"])) if found else None

    def _latest(self, moment: datetime) -> dict[str, Snapshot]:
        """Each complaint's latest snapshot recorded at or before `moment` (DISTINCT ON)."""
        latest: dict[str, Snapshot] = {}
        for s in self.snapshots:
            if s.recorded_at > moment:
                continue
            best = latest.get(s.complaint_id)
            if best is None or (s.recorded_at, s.position) > (best.recorded_at, best.position):
                latest[s.complaint_id] = s
        return latest

    async def entries(self, complaint_id: str, recorded_by: datetime | None = None) -> list[Entry]:
        return [
            e
            for e in self.timelines.get(complaint_id, [])
            if recorded_by is None or (e.recorded_at is not None and e.recorded_at <= recorded_by)
        ]

    async def version(self) -> str:
        return max(self.updated.values()).isoformat() if self.updated else ""

    async def latest_changes(self, reach: Reach | None, *, offset: int, limit: int) -> list[Change]:
        found = sorted(
            (c for c in self.complaints.values() if _within(reach, c)),
            key=lambda c: c.complaint_id,
        )
        found.sort(key=lambda c: self.updated[c.complaint_id], reverse=True)  # stable
        return [
            Change(self.updated[c.complaint_id], c.involvement)
            for c in found[offset : offset + limit]
        ]


def _within(reach: Reach | None, c: Complaint) -> bool:
    """`SqlProjection`'s selection by reach, in Python."""
    involved = set(c.units_involved)
    if reach is None:
        return bool(involved)
    return bool(reach.units & involved) or (
        not c.restricted and bool(reach.unrestricted & involved)
    )


def _within_columns(reach: Reach | None, columns: dict[str, Any]) -> bool:
    """`_within` on a snapshot's copied columns."""
    involved = set(columns["units_involved"])
    if reach is None:
        return bool(involved)
    return bool(reach.units & involved) or (
        not columns["restricted"] and bool(reach.unrestricted & involved)
    )
