"""`notifier replay --check` against the live consumer: a log of complaint lifecycles on a real
broker, applied by the notifier's live consumer into PostgreSQL (each event hours after it
happened, as after an outage), then replayed into memory by the same handlers; equal, until one
row of the live projection is changed: what is recorded does not depend on when. The replay
records alerts but never delivers one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler
from complaints_shared.organisation import load_organisation
from complaints_shared.replay.command import run_replay
from complaints_shared.testing.replay import apply_live, check, lifecycles, publish, replay_plumbing
from devstack.broker import TansuBroker
from devstack.fixtures import broker_fixture, migrated_database
from devstack.postgres import EmbeddedPostgres
from notifier.adapters import tables
from notifier.bootstrap import sql_stores
from notifier.config import NotifierSettings
from notifier.domain.policy import RateLimit
from notifier.replay import notifier_replay
from notifier.service_layer.handlers import NotifierHandlers
from notifier.service_layer.recording import AlertBook

pytestmark = pytest.mark.integration
DEMO_ORG = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"
LAG = timedelta(hours=6)  # how long after an event the live consumer applies it


broker = pytest.fixture(scope="module")(broker_fixture(3))


class Lagging:
    """The live handlers' clock: each event is applied `LAG` after it happened."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def wrap(self, handler: Handler) -> Handler:
        async def applied_later(session: Any, envelope: Envelope, event: Any) -> None:
            self.at = envelope.time + LAG
            await handler(session, envelope, event)

        return applied_later


async def test_replay_check_passes_then_names_a_corrupted_row(
    postgres: EmbeddedPostgres, broker: TansuBroker
) -> None:
    url = await migrated_database(postgres, "notifier")
    org = load_organisation(DEMO_ORG)
    settings = NotifierSettings(
        NOTIFIER_DATABASE_URL=url,
        kafka_bootstrap_servers=broker.bootstrap,
        org_directory=str(DEMO_ORG),
    )
    async with replay_plumbing("notifier", settings, url, tables) as plumbing:
        clock = Lagging()
        limit = RateLimit(
            settings.alert_rate_limit, timedelta(seconds=settings.alert_rate_window_seconds)
        )
        live = NotifierHandlers(org, settings, AlertBook(limit), sql_stores, lambda: clock.at)
        consumer = plumbing.consumer({t: clock.wrap(h) for t, h in live.registry().items()})
        start = datetime.now(UTC) - timedelta(days=2)
        await publish(broker.bootstrap, lifecycles(4, start))
        assert await apply_live(consumer, broker.bootstrap) > 0
        async with plumbing.engine.connect() as conn:
            alerts = (await conn.execute(text("SELECT count(*) FROM alerts"))).scalar()
            deliveries = (await conn.execute(text("SELECT count(*) FROM deliveries"))).scalar()
        assert alerts and deliveries

        code, report = await check(notifier_replay(org, settings), broker.bootstrap, url)
        assert code == 0, report
        assert "complaint_facts: 4 live rows, 4 replayed, 0 differences" in report
        assert f"alerts: {alerts} live rows, {alerts} replayed, 0 differences" in report

        async with plumbing.engine.begin() as conn:
            await conn.execute(
                text("UPDATE complaint_facts SET media = true WHERE complaint_id = 'RP-0000'")
            )
        code, report = await check(notifier_replay(org, settings), broker.bootstrap, url)
        assert code == 1, report
        assert "complaint_facts [RP-0000] media: live True replayed False" in report

        code = await run_replay(
            notifier_replay(org, settings),
            bootstrap_servers=broker.bootstrap,
            database_url=url,
            check=False,
        )
        assert code == 0
        async with plumbing.engine.connect() as conn:
            copied = await conn.execute(text("SELECT count(*) FROM replay.alerts"))
            assert copied.scalar() == alerts
            # nothing to send: no delivery in the copy, none added to the live ones
            tables_there = await conn.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'replay'")
            )
            assert tables_there.scalar() == 2
            after = (await conn.execute(text("SELECT count(*) FROM deliveries"))).scalar()
            assert after == deliveries
