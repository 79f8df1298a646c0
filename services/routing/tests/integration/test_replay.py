"""`routing replay --check` against the live consumer: a log of complaint lifecycles on a real
broker, applied by routing's live consumer into PostgreSQL, then replayed into memory by the
same handlers; equal, until one row of the live table is changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from complaints_shared.messaging.consumer import LogConsumer
from complaints_shared.organisation import load_organisation
from complaints_shared.replay.command import run_replay
from complaints_shared.testing.replay import apply_live, check, lifecycles, publish, replay_plumbing
from devstack.broker import TansuBroker
from devstack.fixtures import broker_fixture, migrated_database
from devstack.postgres import EmbeddedPostgres
from routing.adapters import tables
from routing.adapters.repository import SqlRouteStore
from routing.config import RoutingSettings
from routing.replay import routing_replay
from routing.service_layer.handlers import RoutingHandlers

pytestmark = pytest.mark.integration
DEMO_ORG = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"


broker = pytest.fixture(scope="module")(broker_fixture(3))


async def test_replay_check_passes_then_names_a_corrupted_row(
    postgres: EmbeddedPostgres, broker: TansuBroker
) -> None:
    url = await migrated_database(postgres, "routing")
    org = load_organisation(DEMO_ORG)
    settings = RoutingSettings(ROUTING_DATABASE_URL=url, kafka_bootstrap_servers=broker.bootstrap)
    async with replay_plumbing("routing", settings, url, tables) as plumbing:
        handlers = RoutingHandlers(org, plumbing.outbox, routes=SqlRouteStore)
        consumer: LogConsumer = plumbing.consumer(handlers.registry())
        start = datetime.now(UTC) - timedelta(days=2)
        await publish(broker.bootstrap, lifecycles(4, start))
        assert await apply_live(consumer, broker.bootstrap) > 0

        code, report = await check(routing_replay(org), broker.bootstrap, url)
        assert code == 0, report
        assert "complaint_routes: 4 live rows, 4 replayed, 0 differences" in report

        async with plumbing.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE complaint_routes SET owner_unit = 'YN-DL'"
                    " WHERE complaint_id = 'RP-0002'"
                )
            )
        code, report = await check(routing_replay(org), broker.bootstrap, url)
        assert code == 1, report
        assert "complaint_routes [RP-0002] owner_unit: live 'YN-DL' replayed 'YN-KM-01'" in report

        # Without --check: a fresh copy in the schema `replay`, the live table left alone.
        code = await run_replay(
            routing_replay(org), bootstrap_servers=broker.bootstrap, database_url=url, check=False
        )
        assert code == 0
        async with plumbing.engine.connect() as conn:
            copied = await conn.execute(
                text(
                    "SELECT owner_unit FROM replay.complaint_routes WHERE complaint_id = 'RP-0002'"
                )
            )
            assert copied.scalar() == "YN-KM-01"
            live = await conn.execute(
                text("SELECT owner_unit FROM complaint_routes WHERE complaint_id = 'RP-0002'")
            )
            assert live.scalar() == "YN-DL"
