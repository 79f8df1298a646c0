"""The SLA monitor's tables.

- `complaint_clocks`: the fold's state per complaint (JSON) and its next timer instant; the
  breach ticker reads due work from the index on `next_timer`, never scanning every complaint,
  and only for the partitions its instance owns.
- `clocks`: one row per (complaint, clock), flattened from the state for the API.
- `breaches`: every breach, kept after the clock is met or restarted, with the handler it is
  attributed to (the one holding the complaint when it breached, kept after a change).
- `projection_meta`: the policy/calendar fingerprint the projection was computed with.
- `complaint_states`: each complaint's shared lifecycle state (`complaints_shared.workflow`),
  folded from every event of the log; what visibility is decided on.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from complaints_shared.messaging.tables import define_messaging_tables

metadata = MetaData()
outbox, processed_events = define_messaging_tables(metadata)

complaint_clocks = Table(
    "complaint_clocks",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("partition", Integer, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("next_timer", DateTime(timezone=True)),
    Index(
        "complaint_clocks_next_timer", "next_timer", postgresql_where=text("next_timer IS NOT NULL")
    ),
)

clocks = Table(
    "clocks",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("clock", Text, primary_key=True),
    Column("run", Integer, nullable=False),
    Column("owner_unit", Text, nullable=False),
    Column("status", Text, nullable=False),  # running | paused | met | cancelled
    Column("breached", Boolean, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True)),  # for a paused clock: if resumed at pause time
    Column("remaining_seconds", BigInteger),  # while paused
    Column("budget_seconds", BigInteger, nullable=False),
    Column("calendar", Text, nullable=False),
    Column("handling_level", Text),
    Column("original_due_at", DateTime(timezone=True)),  # before the first approved extension
    Column("extensions", Integer, nullable=False, server_default=text("0")),  # approved ones
    Index("clocks_running_due", "due_at", postgresql_where=text("status = 'running'")),
    Index("clocks_owner", "owner_unit"),
)

breaches = Table(
    "breaches",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("clock", Text, primary_key=True),
    Column("run", Integer, primary_key=True),
    Column("owner_unit", Text, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("handler_id", Text),  # the handler at the breach (None: nobody held it)
    Column("handler_name", Text),
    Index("breaches_by_due", "due_at"),
)

projection_meta = Table(
    "projection_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

complaint_states = Table(
    "complaint_states",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("state", JSONB, nullable=False),
)
