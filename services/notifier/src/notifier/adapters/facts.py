"""What the notifier remembers of each complaint (`complaint_facts`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.recipients import ComplaintFacts
from .tables import complaint_facts as t


async def load(session: AsyncSession, complaint_id: str) -> ComplaintFacts | None:
    row = (await session.execute(select(t).where(t.c.complaint_id == complaint_id))).first()
    if row is None:
        return None
    return ComplaintFacts(
        receiving_unit=row.receiving_unit,
        media=row.media,
        restricted=row.restricted,
        involved=frozenset(row.involved),
        handoff_told=row.handoff_told,
        customer=row.customer,
    )


async def save(session: AsyncSession, complaint_id: str, facts: ComplaintFacts) -> None:
    values = {
        "receiving_unit": facts.receiving_unit,
        "media": facts.media,
        "restricted": facts.restricted,
        "involved": sorted(facts.involved),
        "handoff_told": facts.handoff_told,
        "customer": facts.customer,
    }
    statement = insert(t).values(complaint_id=complaint_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[t.c.complaint_id], set_=values)
    )
