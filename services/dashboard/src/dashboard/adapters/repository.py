"""Reading and writing the dashboard's complaints (with their clock runs and samples)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, not_, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.workflow.lifecycle import from_json, to_json

from ..domain.model import FINAL_STATUSES, ClockRun, Complaint, Sample
from ..domain.scope import Reach
from ..domain.timeline import Entry
from .tables import clock_runs, complaints, samples, timeline_entries

# Copies of the shared state, written for the filters and indexes, never read back.
_FROM_STATE = (
    "receiving_unit",
    "business_line",
    "status",
    "owner_unit",
    "handling_level",
    "owner_since",
    "restricted",
    "units_involved",
)
_COLUMNS = [
    c.name
    for c in complaints.columns
    if c.name not in ("complaint_id", "updated_at", "state", *_FROM_STATE)
]
_RUN_COLUMNS = [c.name for c in clock_runs.columns if c.name != "complaint_id"]


async def load(session: AsyncSession, complaint_id: str) -> Complaint:
    """The complaint as projected so far (locked for this transaction), or a fresh one."""
    row = (
        await session.execute(
            select(complaints).where(complaints.c.complaint_id == complaint_id).with_for_update()
        )
    ).first()
    if row is None:
        return Complaint(complaint_id)
    found = await _attach(session, [_complaint(row)])
    return found[0]


async def save(session: AsyncSession, complaint: Complaint) -> None:
    values = {name: getattr(complaint, name) for name in (*_COLUMNS, *_FROM_STATE)}
    values["state"] = to_json(complaint.state)
    early = complaint.early_acceptance
    values["early_acceptance"] = [early[0], early[1].isoformat()] if early else None
    values["updated_at"] = func.now()
    await session.execute(
        insert(complaints)
        .values(complaint_id=complaint.complaint_id, **values)
        .on_conflict_do_update(index_elements=["complaint_id"], set_=values)
    )
    cid = complaint.complaint_id
    await session.execute(delete(clock_runs).where(clock_runs.c.complaint_id == cid))
    if complaint.runs:
        await session.execute(
            insert(clock_runs),
            [
                {"complaint_id": cid, **{n: getattr(r, n) for n in _RUN_COLUMNS}}
                for r in complaint.runs
            ],
        )
    if complaint.samples:
        await session.execute(
            insert(samples).on_conflict_do_nothing(),
            [
                {
                    "complaint_id": cid,
                    "measure": s.measure,
                    "unit": s.unit,
                    "at": s.at,
                    "seconds": s.seconds,
                }
                for s in complaint.samples
            ],
        )


async def add_entry(
    session: AsyncSession,
    *,
    complaint_id: str,
    event_id: str,
    type: str,
    time: datetime,
    source: str,
    data: dict,
) -> None:
    await session.execute(
        insert(timeline_entries)
        .values(
            complaint_id=complaint_id,
            event_id=event_id,
            type=type,
            time=time,
            source=source,
            data=data,
        )
        .on_conflict_do_nothing()
    )


def _within(reach: Reach | None):
    """The rows `reach` takes in (every complaint some unit is involved in, for None)."""
    c = complaints.c
    if reach is None:
        return func.cardinality(c.units_involved) > 0
    wanted = c.units_involved.overlap(sorted(reach.units))
    if reach.unrestricted:
        unrestricted = and_(
            not_(c.restricted), c.units_involved.overlap(sorted(reach.unrestricted))
        )
        wanted = or_(wanted, unrestricted)
    return wanted


async def in_scope(
    session: AsyncSession,
    reach: Reach | None,
    received_from: datetime,
    received_to: datetime,
) -> list[Complaint]:
    """Complaints within `reach` that are open or were received in [received_from,
    received_to); the caller still applies `scope.shows`."""
    c = complaints.c
    wanted = or_(
        c.status.not_in(FINAL_STATUSES),
        and_(c.received_at >= received_from, c.received_at < received_to),
    )
    rows = (await session.execute(select(complaints).where(wanted, _within(reach)))).all()
    return await _attach(session, [_complaint(row) for row in rows])


async def one(session: AsyncSession, complaint_id: str) -> Complaint | None:
    row = (
        await session.execute(select(complaints).where(complaints.c.complaint_id == complaint_id))
    ).first()
    return (await _attach(session, [_complaint(row)]))[0] if row else None


async def entries(session: AsyncSession, complaint_id: str) -> list[Entry]:
    rows = (
        await session.execute(
            select(timeline_entries)
            .where(timeline_entries.c.complaint_id == complaint_id)
            .order_by(timeline_entries.c.position)
        )
    ).all()
    return [Entry(row.type, row.time, row.data) for row in rows]


async def version(session: AsyncSession) -> str:
    """Changes whenever the projection changes (wakes the live pages; never sent to them)."""
    latest = (await session.execute(select(func.max(complaints.c.updated_at)))).scalar()
    return latest.isoformat() if latest else ""


async def latest_changes(
    session: AsyncSession, reach: Reach | None, *, offset: int, limit: int
) -> list[tuple[datetime, list[str], bool]]:
    """(updated_at, units involved, restricted) of the complaints within `reach`, the most
    recently changed first: a scope's version is the first of them the scope shows."""
    c = complaints.c
    query = (
        select(c.updated_at, c.units_involved, c.restricted)
        .where(_within(reach))
        .order_by(c.updated_at.desc(), c.complaint_id)
        .offset(offset)
        .limit(limit)
    )
    return [(row[0], list(row[1]), row[2]) for row in await session.execute(query)]


async def _attach(session: AsyncSession, found: Sequence[Complaint]) -> list[Complaint]:
    by_id = {c.complaint_id: c for c in found}
    for chunk in _chunks(list(by_id), 5000):
        for row in await session.execute(
            select(clock_runs).where(clock_runs.c.complaint_id.in_(chunk))
        ):
            by_id[row.complaint_id].runs.append(
                ClockRun(**{n: getattr(row, n) for n in _RUN_COLUMNS})
            )
        for row in await session.execute(select(samples).where(samples.c.complaint_id.in_(chunk))):
            by_id[row.complaint_id].samples.append(
                Sample(row.measure, row.unit, row.at, row.seconds)
            )
    for complaint in by_id.values():
        complaint.runs.sort(key=lambda r: (r.clock, r.run))
        complaint.samples.sort(key=lambda s: (s.at, s.measure, s.unit))
    return list(by_id.values())


def _complaint(row) -> Complaint:
    values = {name: getattr(row, name) for name in _COLUMNS}
    early = values.pop("early_acceptance")
    complaint = Complaint(row.complaint_id, from_json(row.state), **values)
    if early:
        complaint.early_acceptance = (early[0], datetime.fromisoformat(early[1]))
    return complaint


def _chunks(items: list[str], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
