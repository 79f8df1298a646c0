"""`intake replay --check` against the live consumer: a log of complaint lifecycles on a real
broker, applied by intake's live consumer (its projection) into PostgreSQL, then replayed into
memory by the same projection; equal, until one row of the live read model is changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from complaints_shared.contracts.base import Event
from complaints_shared.organisation import load_organisation
from complaints_shared.replay.command import run_replay
from complaints_shared.testing.replay import apply_live, check, lifecycles, publish, replay_plumbing
from devstack.broker import TansuBroker
from devstack.fixtures import broker_fixture, migrated_database
from devstack.postgres import EmbeddedPostgres
from intake.adapters import tables
from intake.config import IntakeSettings
from intake.replay import intake_replay
from intake.service_layer.projection import Projection

pytestmark = pytest.mark.integration
DEMO_ORG = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"


broker = pytest.fixture(scope="module")(broker_fixture(3))


async def test_replay_check_passes_then_names_a_corrupted_row(
    postgres: EmbeddedPostgres, broker: TansuBroker
) -> None:
    url = await migrated_database(postgres, "intake")
    org = load_organisation(DEMO_ORG)
    settings = IntakeSettings(INTAKE_DATABASE_URL=url, kafka_bootstrap_servers=broker.bootstrap)
    async with replay_plumbing("intake", settings, url, tables) as plumbing:
        consumer = plumbing.consumer({Event: Projection(org).project})
        start = datetime.now(UTC) - timedelta(days=2)
        await publish(broker.bootstrap, lifecycles(4, start))
        assert await apply_live(consumer, broker.bootstrap) > 0

        code, report = await check(intake_replay(org), broker.bootstrap, url)
        assert code == 0, report
        assert "complaint_views: 4 live rows, 4 replayed, 0 differences" in report
        assert "clock_views: 4 live rows, 4 replayed, 0 differences" in report
        assert "timeline_entries: 49 live rows, 49 replayed, 0 differences" in report

        async with plumbing.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE clock_views SET late = false"
                    " WHERE complaint_id = 'RP-0001' AND clock = 'resolve'"
                )
            )
        code, report = await check(intake_replay(org), broker.bootstrap, url)
        assert code == 1, report
        assert "clock_views [RP-0001, resolve] late: live False replayed True" in report

        code = await run_replay(
            intake_replay(org), bootstrap_servers=broker.bootstrap, database_url=url, check=False
        )
        assert code == 0
        async with plumbing.engine.connect() as conn:
            copied = await conn.execute(text("SELECT count(*) FROM replay.timeline_entries"))
            assert copied.scalar() == 49
