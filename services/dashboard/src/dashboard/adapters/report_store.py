"""The report facts in PostgreSQL (`report_facts`): written by the projection, read by the
reports. `dashboard.testing.report_fakes.FakeReportFacts` is the same in memory.

- `ReportFactStore` (the projection's writes, in the consumer's transaction);
- `ReportFactReader` (the reports' reads): the facts of some units in a time range, the
  `received` facts of some complaints, and who is involved in each complaint (for the shared
  visibility rule).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, fields
from datetime import datetime
from typing import Protocol

from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.workflow.visibility import Involvement

from ..domain.report_facts import Fact
from .report_tables import report_facts
from .tables import complaints

_FIELDS = [f.name for f in fields(Fact)]


class ReportFactStore(Protocol):
    async def add(self, facts: list[Fact]) -> None:
        """Record the facts of one event; a fact recorded before (same event, same seq) stays."""
        ...

    async def forget_customer(self, complaint_id: str) -> None:
        """Erasure: what the customer asked on return visits is emptied."""
        ...


class ReportFactReader(Protocol):
    async def between(self, units: Iterable[str], start: datetime, end: datetime) -> list[Fact]:
        """The facts attributed to one of `units` whose time lies in [start, end)."""
        ...

    async def received(self, complaint_ids: Iterable[str]) -> list[Fact]:
        """The `received` facts of the complaints (whenever they were received)."""
        ...

    async def involvement(self, complaint_ids: Iterable[str]) -> dict[str, Involvement]:
        """Who is involved in each complaint the projection knows, and whether restricted."""
        ...


ReportReading = Callable[[], AbstractAsyncContextManager[ReportFactReader]]


def sql_report_reading(sessions: async_sessionmaker[AsyncSession]) -> ReportReading:
    @contextlib.asynccontextmanager
    async def reading() -> AsyncIterator[ReportFactReader]:
        async with sessions() as session:
            yield SqlReportFacts(session)

    return reading


class SqlReportFacts:
    """`ReportFactStore` and `ReportFactReader` on one session (its transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, facts: list[Fact]) -> None:
        if facts:
            rows = [asdict(fact) for fact in facts]
            await self.session.execute(insert(report_facts).on_conflict_do_nothing(), rows)

    async def forget_customer(self, complaint_id: str) -> None:
        r = report_facts.c
        await self.session.execute(
            update(report_facts).where(r.complaint_id == complaint_id).values(customer_asks=None)
        )

    async def between(self, units: Iterable[str], start: datetime, end: datetime) -> list[Fact]:
        r = report_facts.c
        query = (
            select(report_facts)
            .where(r.unit.in_(sorted(set(units))), and_(r.at >= start, r.at < end))
            .order_by(r.at, r.event_id, r.seq)
        )
        return [_fact(row) for row in (await self.session.execute(query)).mappings()]

    async def received(self, complaint_ids: Iterable[str]) -> list[Fact]:
        r = report_facts.c
        found: list[Fact] = []
        for chunk in _chunks(sorted(set(complaint_ids)), 5000):
            query = select(report_facts).where(r.kind == "received", r.complaint_id.in_(chunk))
            found += [_fact(row) for row in (await self.session.execute(query)).mappings()]
        return found

    async def involvement(self, complaint_ids: Iterable[str]) -> dict[str, Involvement]:
        c = complaints.c
        found: dict[str, Involvement] = {}
        for chunk in _chunks(sorted(set(complaint_ids)), 5000):
            query = select(c.complaint_id, c.units_involved, c.restricted).where(
                c.complaint_id.in_(chunk)
            )
            for row in await self.session.execute(query):
                found[row[0]] = Involvement(frozenset(row[1]), row[2])
        return found


def _fact(row: object) -> Fact:
    return Fact(**{name: row[name] for name in _FIELDS})  # type: ignore[index]


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
