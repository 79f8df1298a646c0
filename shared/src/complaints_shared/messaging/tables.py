"""The messaging tables every service has in its own database: outbox, processed events and
the consumer positions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB


def define_messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    """The outbox and processed-events tables; `consumer_positions` is defined in `metadata`
    too (see `define_consumer_positions`), so a schema made from it has every messaging table."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Text, nullable=False, unique=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("value", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False),  # [[name, base64 value], ...]
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Index("outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
    )
    processed = Table(
        "processed_events",
        metadata,
        Column("consumer", Text, primary_key=True),
        Column("event_id", Text, primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    define_consumer_positions(metadata)
    return outbox, processed


def define_consumer_positions(metadata: MetaData) -> Table:
    """Where each consumer group stands in each partition: the offset of the next record to
    apply, written in the same transaction as the effects of the records before it."""
    return Table(
        "consumer_positions",
        metadata,
        Column("group_id", Text, primary_key=True),
        Column("topic", Text, primary_key=True),
        Column("partition", Integer, primary_key=True),
        Column("next_offset", BigInteger, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


# The table the consume loop reads and writes (by name, so any service's database will do).
CONSUMER_POSITIONS = define_consumer_positions(MetaData())


# Every commit that adds outbox rows wakes the relay (NOTIFY is delivered on commit).
OUTBOX_NOTIFY_CHANNEL = "outbox"
OUTBOX_TRIGGER_SQL = (
    """
    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger AS $$
    BEGIN PERFORM pg_notify('outbox', ''); RETURN NULL; END; $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
    """,
)
