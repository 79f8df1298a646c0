"""Routing's tables: what it knows of each complaint's routing, plus messaging tables."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from complaints_shared.messaging.tables import define_messaging_tables

metadata = MetaData()
outbox, processed_events = define_messaging_tables(metadata)

complaint_routes = Table(
    "complaint_routes",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("facts", JSONB, nullable=False),
    Column("owner_unit", Text, nullable=False),
    Column("handling_level", Text, nullable=False),
    Column("history", ARRAY(Text), nullable=False),  # owners so far, oldest first
    Column("restricted", Boolean, nullable=False, server_default="false"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
