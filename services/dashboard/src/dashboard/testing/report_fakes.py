"""`FakeReportFacts`: the report facts in memory, as `SqlReportFacts` keeps them.

facts = FakeReportFacts(store)                       # store: a FakeProjection
DashboardProjection(store.stores, facts.stores)      # the handler writes both
ReportQueries(org, facts.reading)                    # the reports read them
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import datetime

from complaints_shared.workflow.visibility import Involvement

from ..adapters.report_store import ReportFactReader
from ..domain.report_facts import Fact
from .fakes import FakeProjection


class FakeReportFacts:
    def __init__(self, projection: FakeProjection | None = None) -> None:
        self.projection = projection or FakeProjection()
        self.facts: dict[tuple[str, int], Fact] = {}

    def stores(self, session: object = None) -> FakeReportFacts:
        return self

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[ReportFactReader]:
        yield self

    async def add(self, facts: list[Fact]) -> None:
        for fact in facts:
            self.facts.setdefault((fact.event_id, fact.seq), fact)

    async def forget_customer(self, complaint_id: str) -> None:
        for key, fact in self.facts.items():
            if fact.complaint_id == complaint_id:
                self.facts[key] = replace(fact, customer_asks=None)

    async def between(self, units: Iterable[str], start: datetime, end: datetime) -> list[Fact]:
        wanted = set(units)
        found = [f for f in self.facts.values() if f.unit in wanted and start <= f.at < end]
        return sorted(found, key=lambda f: (f.at, f.event_id, f.seq))

    async def received(self, complaint_ids: Iterable[str]) -> list[Fact]:
        wanted = set(complaint_ids)
        return [f for f in self.facts.values() if f.kind == "received" and f.complaint_id in wanted]

    async def involvement(self, complaint_ids: Iterable[str]) -> dict[str, Involvement]:
        known = self.projection.complaints
        return {cid: known[cid].involvement for cid in complaint_ids if cid in known}
