"""An in-memory projection standing in for the repository, for the read paths' unit tests."""

from __future__ import annotations

import contextlib
from datetime import datetime
from types import SimpleNamespace

from dashboard.domain.fold import apply
from dashboard.domain.model import Complaint
from dashboard.domain.scope import Reach
from dashboard.domain.timeline import Entry, public_data


class FakeProjection:
    """Complaints with their timeline entries and when each last changed."""

    def __init__(self) -> None:
        self.complaints: dict[str, Complaint] = {}
        self.entries: dict[str, list[Entry]] = {}
        self.updated: dict[str, datetime] = {}

    def record(self, complaint_id: str, *steps, updated: datetime) -> Complaint:
        """Fold (event, event time) pairs into the complaint, as the projection does."""
        complaint = self.complaints.get(complaint_id, Complaint(complaint_id))
        for event, when in steps:
            complaint = apply(complaint, event, when)
            data = public_data(event.model_dump(mode="json"))
            self.entries.setdefault(complaint_id, []).append(Entry(event.NAME, when, data))
        self.complaints[complaint_id] = complaint
        self.updated[complaint_id] = updated
        return complaint

    @staticmethod
    def _within(reach: Reach | None, c: Complaint) -> bool:
        """The repository's SQL selection, in Python."""
        involved = set(c.units_involved)
        if reach is None:
            return bool(involved)
        return bool(reach.units & involved) or (
            not c.restricted and bool(reach.unrestricted & involved)
        )

    def repository(self) -> SimpleNamespace:
        async def in_scope(session, reach, received_from, received_to):
            return [
                c
                for c in self.complaints.values()
                if self._within(reach, c)
                and (c.open or (c.received_at and received_from <= c.received_at < received_to))
            ]

        async def one(session, complaint_id):
            return self.complaints.get(complaint_id)

        async def entries(session, complaint_id):
            return list(self.entries.get(complaint_id, []))

        async def latest_changes(session, reach, *, offset, limit):
            rows = sorted(
                (
                    (self.updated[c.complaint_id], c.units_involved, c.restricted)
                    for c in self.complaints.values()
                    if self._within(reach, c)
                ),
                key=lambda row: row[0],
                reverse=True,
            )
            return rows[offset : offset + limit]

        return SimpleNamespace(
            in_scope=in_scope, one=one, entries=entries, latest_changes=latest_changes
        )

    @staticmethod
    def sessions():
        @contextlib.asynccontextmanager
        async def session():
            yield None

        return session()
