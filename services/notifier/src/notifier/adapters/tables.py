"""The notifier's tables: every alert and its delivery, plus messaging tables."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, Table, Text, func

from complaints_shared.messaging.tables import define_messaging_tables

metadata = MetaData()
outbox, processed_events = define_messaging_tables(metadata)

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", Text, primary_key=True),  # derived from (cause event, recipient, channel)
    Column("complaint_id", Text, nullable=False),
    Column("cause_event_id", Text, nullable=False),
    Column("cause_type", Text, nullable=False),
    Column("recipient_unit", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("recipient", Text, nullable=False),  # masked
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("alerts_by_complaint", "complaint_id", "created_at"),
)
