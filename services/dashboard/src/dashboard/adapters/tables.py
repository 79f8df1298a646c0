"""The dashboard's tables: its own projection of the log, plus the standard messaging tables.

- `complaints`: one row per complaint (its category; customer data masked; whether it is a key
  customer and how many complaints it made before; the latest return visit). `state` is the
  shared lifecycle state (`lifecycle.to_json`); status, owner, units involved and restriction
  are copies of it kept as columns for the queries' filters and indexes. `updated_at` is
  processing time and only tells live pages that something changed (a trigger NOTIFYs
  `dashboard`).
- `clock_runs`: every run of every clock, from the `sla.*` events.
- `samples`: measured durations (time to start, time to resolve).
- `timeline_entries`: each event's public fields, in log order, for the hand-off timeline,
  with when the projection recorded it (`recorded_at`, processing time).
- `complaint_snapshots`: the complaint as folded after each event (`snapshots.to_json`: the
  same masked data as its row, runs and samples included), with when it was recorded; `?as_of=`
  reads the latest one of each complaint recorded by then. The columns beside `complaint` are
  copies for the filters, as in `complaints`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from complaints_shared.messaging.tables import define_messaging_tables

metadata = MetaData()
outbox, processed_events = define_messaging_tables(metadata)

complaints = Table(
    "complaints",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("state", JSONB, nullable=False),  # lifecycle.to_json of the shared fold
    Column("kind", Text),
    Column("channel", Text),
    Column("receiving_unit", Text),  # from `state`
    Column("business_line", Text),  # from `state`
    Column("category", Text),  # None for a row projected before revision 0006
    Column("severity", Text),
    Column("received_at", DateTime(timezone=True)),
    Column("customer_name", Text),  # masked
    Column("customer_phone", Text),  # masked
    Column("prior_complaints", Integer, nullable=False, server_default=text("0")),
    Column("key_customer", Boolean, nullable=False, server_default=text("false")),
    Column("status", Text, nullable=False),  # from `state`
    Column("owner_unit", Text),  # from `state`
    Column("handling_level", Text),  # from `state`
    Column("owner_since", DateTime(timezone=True)),  # from `state`
    Column("owner_accepted", Boolean, nullable=False),
    Column("early_acceptance", JSONB),  # [unit, at] signed for before the assignment arrived
    Column("restricted", Boolean, nullable=False),  # from `state`
    Column("units_involved", ARRAY(Text), nullable=False),  # from `state`
    Column("classification", Text),
    Column("satisfaction", Integer),  # of the latest return visit that reached the customer
    Column("return_visits", Integer, nullable=False, server_default=text("0")),
    Column("visit_reached", Boolean),  # the latest return visit's
    Column("visited_at", DateTime(timezone=True)),  # the latest return visit's
    Column("resolved_at", DateTime(timezone=True)),
    Column("last_event_at", DateTime(timezone=True)),
    Column("extension_requests", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index(
        "complaints_open",
        "complaint_id",
        postgresql_where=text("status NOT IN ('resolved', 'closed')"),
    ),
    Index("complaints_received_at", "received_at"),
    Index("complaints_units_involved", "units_involved", postgresql_using="gin"),
    Index("complaints_updated_at", "updated_at"),
)

clock_runs = Table(
    "clock_runs",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("clock", Text, primary_key=True),
    Column("run", Integer, primary_key=True),
    Column("owner_unit", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True)),
    Column("state", Text, nullable=False),
    Column("breached", Boolean, nullable=False),
    Column("stopped_at", DateTime(timezone=True)),
    Column("late", Boolean, nullable=False),
    Column("extensions", Integer, nullable=False, server_default=text("0")),
    Column("original_due_at", DateTime(timezone=True)),  # before the first extension
    # Complaints with a return visit due are read whatever their status (`in_scope`).
    Index(
        "clock_runs_active_after_resolution",
        "complaint_id",
        postgresql_where=text("clock = 'return_visit' AND state IN ('running', 'paused')"),
    ),
)

samples = Table(
    "samples",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("measure", Text, primary_key=True),
    Column("unit", Text, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("seconds", BigInteger, nullable=False),
)

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("position", BigInteger, Identity(), primary_key=True),
    Column("complaint_id", Text, nullable=False),
    Column("event_id", Text, nullable=False, unique=True),
    Column("type", Text, nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("source", Text, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("timeline_by_complaint", "complaint_id", "position"),
)

complaint_snapshots = Table(
    "complaint_snapshots",
    metadata,
    Column("position", BigInteger, Identity(), primary_key=True),
    Column("complaint_id", Text, nullable=False),
    Column("event_id", Text, unique=True),  # None for one taken when the table was added
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("complaint", JSONB, nullable=False),  # snapshots.to_json: masked, as the row
    Column("received_at", DateTime(timezone=True)),  # copies, for the filters
    Column("status", Text, nullable=False),
    Column("restricted", Boolean, nullable=False),
    Column("units_involved", ARRAY(Text), nullable=False),
    Column("visit_due", Boolean, nullable=False),  # a clock of `live.AFTER_RESOLUTION` active
    Index("complaint_snapshots_latest", "complaint_id", "recorded_at", "position"),
    Index("complaint_snapshots_recorded_at", "recorded_at"),
)

# A commit that changed the projection wakes every live page of every instance (NOTIFY is
# delivered on commit, and only then); the change feed polls slowly as well.
CHANGES_CHANNEL = "dashboard"
CHANGES_TRIGGER_SQL = (
    f"""
    CREATE OR REPLACE FUNCTION dashboard_notify() RETURNS trigger AS $$
    BEGIN PERFORM pg_notify('{CHANGES_CHANNEL}', ''); RETURN NULL; END; $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER dashboard_notify AFTER INSERT OR UPDATE ON complaints
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_notify()
    """,
)
