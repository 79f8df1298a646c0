"""`dashboard replay --check` against the live consumer: a log of complaint lifecycles on a
real broker, applied by the dashboard's live consumer into PostgreSQL, then replayed into memory
by the same handler; equal, until one row of the live projection is changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from complaints_shared.replay.command import run_replay
from complaints_shared.testing.replay import apply_live, check, lifecycles, publish, replay_plumbing
from dashboard.adapters import tables
from dashboard.adapters.repository import SqlProjection
from dashboard.config import DashboardSettings
from dashboard.replay import dashboard_replay
from dashboard.service_layer.projection import DashboardProjection
from devstack.broker import TansuBroker
from devstack.fixtures import broker_fixture, migrated_database
from devstack.postgres import EmbeddedPostgres

pytestmark = pytest.mark.integration


broker = pytest.fixture(scope="module")(broker_fixture(3))


async def test_replay_check_passes_then_names_a_corrupted_row(
    postgres: EmbeddedPostgres, broker: TansuBroker
) -> None:
    url = await migrated_database(postgres, "dashboard")
    settings = DashboardSettings(
        DASHBOARD_DATABASE_URL=url, kafka_bootstrap_servers=broker.bootstrap
    )
    async with replay_plumbing("dashboard", settings, url, tables) as plumbing:
        consumer = plumbing.consumer(DashboardProjection(SqlProjection).registry())
        start = datetime.now(UTC) - timedelta(days=2)
        await publish(broker.bootstrap, lifecycles(4, start))
        assert await apply_live(consumer, broker.bootstrap) > 0

        code, report = await check(dashboard_replay(), broker.bootstrap, url)
        assert code == 0, report
        assert "complaints: 4 live rows, 4 replayed, 0 differences" in report
        assert "clock_runs: 4 live rows, 4 replayed, 0 differences" in report
        assert "complaint_snapshots: 49 live rows, 49 replayed, 0 differences" in report

        async with plumbing.engine.begin() as conn:
            await conn.execute(
                text("UPDATE complaints SET satisfaction = 1 WHERE complaint_id = 'RP-0003'")
            )
        code, report = await check(dashboard_replay(), broker.bootstrap, url)
        assert code == 1, report
        assert "complaints [RP-0003] satisfaction: live 1 replayed None" in report

        code = await run_replay(
            dashboard_replay(), bootstrap_servers=broker.bootstrap, database_url=url, check=False
        )
        assert code == 0
        async with plumbing.engine.connect() as conn:
            copied = await conn.execute(text("SELECT count(*) FROM replay.complaint_snapshots"))
            assert copied.scalar() == 49
