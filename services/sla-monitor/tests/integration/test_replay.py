"""`sla-monitor replay --check` against the live consumer: a log of complaint lifecycles on a
real broker, applied by the SLA monitor's live consumer (its clock projector) into PostgreSQL,
then folded again from the log; equal, until one clock of the live projection is changed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from complaints_shared.organisation import load_organisation
from complaints_shared.testing.replay import apply_live, lifecycles, publish, replay_plumbing
from devstack.broker import TansuBroker
from devstack.fixtures import broker_fixture, migrated_database
from devstack.postgres import EmbeddedPostgres
from sla_monitor import replay
from sla_monitor.adapters import tables
from sla_monitor.adapters.stores import sql_stores
from sla_monitor.config import SlaSettings
from sla_monitor.service_layer.handlers import ClockProjector

pytestmark = pytest.mark.integration
DEMO_ORG = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"


broker = pytest.fixture(scope="module")(broker_fixture(3))


async def test_replay_check_passes_then_names_a_corrupted_row(
    postgres: EmbeddedPostgres, broker: TansuBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await migrated_database(postgres, "sla_monitor")
    org = load_organisation(DEMO_ORG)
    settings = SlaSettings(
        SLA_MONITOR_DATABASE_URL=url,
        kafka_bootstrap_servers=broker.bootstrap,
        org_directory=str(DEMO_ORG),
    )
    async with replay_plumbing("sla-monitor", settings, url, tables) as plumbing:
        stores = sql_stores(plumbing.sessions, plumbing.outbox, plumbing.inbox)
        projector = ClockProjector(org, settings.policy(), asyncio.Event(), stores)
        consumer = plumbing.consumer(projector.registry())
        start = datetime.now(UTC) - timedelta(days=2)
        await publish(broker.bootstrap, lifecycles(4, start))
        assert await apply_live(consumer, broker.bootstrap) > 0

        assert await replay._replay(settings, check=True) == 0, capsys.readouterr().out
        assert "clocks: 17 live rows, 17 replayed, 0 differences" in capsys.readouterr().out

        async with plumbing.engine.begin() as conn:
            await conn.execute(
                text("UPDATE clocks SET owner_unit = 'YN-DL' WHERE complaint_id = 'RP-0001'")
            )
        assert await replay._replay(settings, check=True) == 1
        assert "clocks [RP-0001, resolve] owner_unit: live 'YN-DL'" in capsys.readouterr().out
