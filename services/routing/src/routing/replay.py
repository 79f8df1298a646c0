"""`python -m routing replay [--check]`: routing's state (`complaint_routes`) rebuilt from the
whole log by routing's own handlers (`RoutingHandlers`, as the live consumer wires them), kept
in memory; the events they would append are dropped (they are in the log already).

`--check` compares it with the live table; without it the rebuilt table is written to the
schema `replay` (docs/replay.md).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts.envelope import Envelope
from complaints_shared.organisation import Organisation, load_organisation
from complaints_shared.replay.command import Replay, run_replay
from complaints_shared.replay.compare import Compared
from complaints_shared.replay.journal import Journal

from .adapters.repository import RouteState, route_values
from .adapters.tables import complaint_routes
from .config import RoutingSettings
from .service_layer.handlers import RoutingHandlers

ROUTES = "routes"
COMPARED = (
    Compared(
        complaint_routes,
        ("complaint_id",),
        ignored={"updated_at": "processing time: when the consumer wrote the row"},
    ),
)


class ReplayRoutes:
    """The `RouteStore` on the replay's journal."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def lock(self, complaint_id: str) -> RouteState | None:
        state: RouteState | None = self.journal.get(ROUTES, complaint_id)
        return state

    async def save(self, complaint_id: str, state: RouteState) -> None:
        self.journal.put(ROUTES, complaint_id, state)


class DroppedEvents:
    """The outbox of a replay: what the handlers decide is in the log already."""

    async def append(self, session: AsyncSession, envelopes: Iterable[Envelope]) -> None:
        return None


def routing_replay(org: Organisation) -> Replay:
    journal = Journal()
    routes = ReplayRoutes(journal)
    handlers = RoutingHandlers(org, DroppedEvents(), routes=lambda session: routes)

    def rows(written_at: datetime) -> dict:
        return {
            complaint_routes: [
                {"complaint_id": cid, **route_values(state), "updated_at": written_at}
                for cid, state in journal.rows(ROUTES)
            ]
        }

    return Replay("routing", handlers.registry(), journal, COMPARED, rows)


def replay(settings: RoutingSettings, args: argparse.Namespace) -> int:
    org = load_organisation(settings.org_directory)
    return asyncio.run(
        run_replay(
            routing_replay(org),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            database_url=settings.database_url,
            check=args.check,
        )
    )
