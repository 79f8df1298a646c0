"""Alembic per service: each service keeps `<package>/migrations/`; these helpers run them."""

from __future__ import annotations

import asyncio

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .messaging.tables import (
    OUTBOX_TRIGGER_SQL,
    define_consumer_positions,
    define_messaging_tables,
)


def upgrade(package: str, database_url: str) -> None:
    """Bring a service's database to its newest revision (call outside an event loop)."""
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("sqlalchemy.url", database_url)
    command.upgrade(config, "head")


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic's sqlalchemy.url is not set")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())


def create_messaging_tables_v1() -> None:
    """Version 1 of the outbox and processed-events tables, for a service's first migration."""
    metadata = MetaData()
    outbox, processed = define_messaging_tables(metadata)
    # Only these two: later tables (consumer_positions) come with later revisions.
    metadata.create_all(op.get_bind(), tables=[outbox, processed])
    for statement in OUTBOX_TRIGGER_SQL:
        op.execute(statement)


def create_consumer_positions_v1() -> None:
    """Version 1 of `consumer_positions` (group, topic, partition -> next offset), for the
    revision of each service that moves its consumer's position into its own database."""
    metadata = MetaData()
    define_consumer_positions(metadata)
    metadata.create_all(op.get_bind(), checkfirst=True)


def drop_consumer_positions_v1() -> None:
    op.drop_table("consumer_positions")
