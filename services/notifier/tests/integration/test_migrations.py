"""Revisions upgrade a database an earlier notifier wrote, keeping what it knew readable."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.db import make_engine
from notifier.adapters.facts import load

pytestmark = pytest.mark.integration


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "notifier:migrations")
    config.set_main_option("sqlalchemy.url", url)
    return config


def migrate(url: str, revision: str) -> None:
    command.upgrade(_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(_config(url), revision)


async def test_alerts_of_the_first_schema_survive_the_upgrade(postgres):
    postgres.create_database("notifier_upgrade")
    url = postgres.url("notifier_upgrade")
    await asyncio.to_thread(migrate, url, "0001")
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO alerts (alert_id, complaint_id, cause_event_id, cause_type,"
                    " recipient_unit, channel, recipient, status, attempts, message)"
                    " VALUES ('a-1', 'c-1', 'e-1', 'complaint.assigned', 'YN-KM', 'log',"
                    " 'y***@complaints.example', 'sent', 1, 'old text')"
                )
            )
        await asyncio.to_thread(migrate, url, "head")
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT seq, status, delivery_id FROM alerts"))).one()
            tables = set(
                (
                    await conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    )
                ).scalars()
            )
        assert row.seq == 1 and row.status == "sent" and row.delivery_id is None
        assert tables >= {"alerts", "deliveries", "rate_windows", "complaint_facts", "outbox"}
    finally:
        await engine.dispose()


async def test_complaint_facts_of_revision_0002_keep_their_involvement_as_the_shared_state(
    postgres,
):
    postgres.create_database("notifier_facts_upgrade")
    url = postgres.url("notifier_facts_upgrade")
    await asyncio.to_thread(migrate, url, "0002")
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO complaint_facts (complaint_id, receiving_unit, media, restricted,"
                    " involved, handoff_told, customer) VALUES ('c-1', 'YN-KM-01', true, true,"
                    " '[\"YN-KM\", \"YN-KM-01\"]', null, '王** *******8000')"
                )
            )
        await asyncio.to_thread(migrate, url, "head")
        async with engine.connect() as conn:
            facts = await load(AsyncSession(bind=conn), "c-1")
        assert facts is not None and facts.media and facts.customer == "王** *******8000"
        assert facts.receiving_unit == "YN-KM-01" and facts.restricted
        assert set(facts.state.involved) == {"YN-KM", "YN-KM-01"} and facts.breaches == {}
        # And back: the old columns are restored from the state.
        await asyncio.to_thread(downgrade, url, "0002")
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT * FROM complaint_facts"))).one()
        assert row.receiving_unit == "YN-KM-01" and row.restricted
        assert sorted(row.involved) == ["YN-KM", "YN-KM-01"]
    finally:
        await engine.dispose()
