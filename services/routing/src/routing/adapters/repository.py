"""Loading and saving a complaint's routing state: the `RouteStore` interface and its SQL form.

All of routing's own SQL lives here (the outbox and inbox are the shared messaging tables).
The in-memory stand-in is `routing.testing.fakes.FakeRouteStore`; both pass the same contract
suite (services/routing/tests/integration/test_route_store_contract.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.rules import HandlingLevel, RoutingFacts
from .tables import complaint_routes


@dataclass(frozen=True)
class RouteState:
    """What routing keeps of a complaint: the facts it was routed on, who owns it now, at what
    handling level, every owner so far (oldest first, the current one last) and whether it is
    restricted."""

    facts: RoutingFacts
    owner_unit: str
    handling_level: HandlingLevel
    history: tuple[str, ...]
    restricted: bool


class RouteStore(Protocol):
    """A complaint's routing state, read and written inside the caller's transaction."""

    async def lock(self, complaint_id: str) -> RouteState | None:
        """The complaint's state, locked until the transaction ends; None when routing has no
        record of it."""
        ...

    async def save(self, complaint_id: str, state: RouteState) -> None:
        """Record the complaint's state, replacing any earlier one."""
        ...


class SqlRouteStore:
    """The `RouteStore` in PostgreSQL (`complaint_routes`), inside the session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, complaint_id: str) -> RouteState | None:
        row = (
            await self.session.execute(
                select(complaint_routes)
                .where(complaint_routes.c.complaint_id == complaint_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        facts = RoutingFacts(**{**row.facts, "flags": frozenset(row.facts["flags"])})
        return RouteState(
            facts, row.owner_unit, row.handling_level, tuple(row.history), row.restricted
        )

    async def save(self, complaint_id: str, state: RouteState) -> None:
        values = route_values(state)
        statement = insert(complaint_routes).values(complaint_id=complaint_id, **values)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["complaint_id"], set_=values)
        )


def route_values(state: RouteState) -> dict[str, Any]:
    """The columns of `complaint_routes` for the state (but the id and `updated_at`)."""
    return {
        "facts": facts_json(state.facts),
        "owner_unit": state.owner_unit,
        "handling_level": state.handling_level,
        "history": list(state.history),
        "restricted": state.restricted,
    }


def facts_json(facts: RoutingFacts) -> dict[str, Any]:
    """The facts as stored: JSON, with the flags sorted (a frozenset has no stable order)."""
    return {
        "kind": facts.kind,
        "channel": facts.channel,
        "receiving_unit": facts.receiving_unit,
        "business_line": facts.business_line,
        "severity": facts.severity,
        "flags": sorted(facts.flags),
    }
