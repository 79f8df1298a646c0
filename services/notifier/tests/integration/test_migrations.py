"""Revision 0002 upgrades a database the first notifier wrote, keeping its alerts readable."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from complaints_shared.db import make_engine

pytestmark = pytest.mark.integration


def migrate(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", "notifier:migrations")
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, revision)


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
