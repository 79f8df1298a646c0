"""Loading and saving a complaint's routing state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.rules import ComplaintFacts
from .tables import complaint_routes


@dataclass(frozen=True)
class RouteState:
    facts: ComplaintFacts
    owner_unit: str
    handling_level: str
    history: tuple[str, ...]
    restricted: bool


def _facts_json(facts: ComplaintFacts) -> dict:
    return {
        "kind": facts.kind,
        "channel": facts.channel,
        "receiving_unit": facts.receiving_unit,
        "business_line": facts.business_line,
        "severity": facts.severity,
        "flags": sorted(facts.flags),
    }


async def load(session: AsyncSession, complaint_id: str) -> RouteState | None:
    row = (
        await session.execute(
            select(complaint_routes)
            .where(complaint_routes.c.complaint_id == complaint_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        return None
    facts = ComplaintFacts(**{**row.facts, "flags": frozenset(row.facts["flags"])})
    return RouteState(facts, row.owner_unit, row.handling_level, tuple(row.history), row.restricted)


async def save(session: AsyncSession, complaint_id: str, state: RouteState) -> None:
    values = {
        "facts": _facts_json(state.facts),
        "owner_unit": state.owner_unit,
        "handling_level": state.handling_level,
        "history": list(state.history),
        "restricted": state.restricted,
    }
    statement = insert(complaint_routes).values(complaint_id=complaint_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["complaint_id"], set_=values)
    )
