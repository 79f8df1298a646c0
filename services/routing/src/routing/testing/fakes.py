"""In-memory `RouteStore` and outbox: the same behaviour as the SQL adapters, no database.

`FakeRouteStore` passes the contract suite the SQL store passes
(services/routing/tests/integration/test_route_store_contract.py). Handlers take a session
because the consumer hands them one; with these fakes nothing uses it, so tests pass
`NO_SESSION`, which fails loudly if anything does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn, cast

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts.envelope import Envelope

from ..adapters.repository import RouteState, RouteStore, facts_json
from ..domain.rules import RoutingFacts


class FakeRouteStore:
    """Routing state by complaint id. Each state is kept as the SQL store keeps it (the facts
    as their JSON form), so what comes back is what PostgreSQL would give back. `lock` cannot
    block: tests run one handler at a time."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    async def lock(self, complaint_id: str) -> RouteState | None:
        row = self.rows.get(complaint_id)
        if row is None:
            return None
        facts = RoutingFacts(**{**row["facts"], "flags": frozenset(row["facts"]["flags"])})
        return RouteState(
            facts,
            row["owner_unit"],
            row["handling_level"],
            tuple(row["history"]),
            row["restricted"],
        )

    async def save(self, complaint_id: str, state: RouteState) -> None:
        self.rows[complaint_id] = {
            "facts": facts_json(state.facts),
            "owner_unit": state.owner_unit,
            "handling_level": state.handling_level,
            "history": list(state.history),
            "restricted": state.restricted,
        }

    def stores(self, session: AsyncSession) -> RouteStore:
        """This one store whatever the session: pass as the handlers' `routes` factory."""
        return self


class FakeOutbox:
    """Stands in for the shared `Outbox`: every envelope appended, in order. An id appended
    again is kept once, as the outbox table's `ON CONFLICT (event_id) DO NOTHING` does."""

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


class _NoSession:
    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"a test on the fakes used the database session (.{name})")


NO_SESSION = cast(AsyncSession, _NoSession())
