"""The SLA monitor's tables: one row per (complaint, clock), indexed by due time."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, MetaData, Table, Text, text

from complaints_shared.messaging.tables import define_messaging_tables

metadata = MetaData()
outbox, processed_events = define_messaging_tables(metadata)

clocks = Table(
    "clocks",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("clock", Text, primary_key=True),
    Column("owner_unit", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("budget_seconds", BigInteger, nullable=False),
    Column("calendar", Text, nullable=False),
    Column("started_event_id", Text, nullable=False),
    # The breach ticker reads the next due running clock from this index, never a full scan.
    Index("clocks_running_by_due", "due_at", postgresql_where=text("state = 'running'")),
)
