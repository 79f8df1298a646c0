"""Intake's tables: the registry it writes, the projection it reads back from the log."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from complaints_shared.messaging.tables import define_messaging_tables

metadata = MetaData()
outbox, processed_events = define_messaging_tables(metadata)

# Written by the HTTP API, in the same transaction as the outbox row.
complaints = Table(
    "complaints",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("receiving_unit", Text, nullable=False),
    Column("posted_by", Text, nullable=False),
    Column("received_event_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The command side's current state of the complaint (the shared lifecycle fold): intake's
    # own actions are folded in as they are accepted, the other services' events as they arrive.
    Column("state", JSONB),
    # since revision 0007: the sealed personal data of `complaint.received` (ciphertext only;
    # what `GET /customer` and the form open with the data key), when it was received (for the
    # retention period), and when its personal data was erased (then `sealed` is NULL).
    Column("sealed", JSONB),
    Column("received_at", DateTime(timezone=True)),
    Column("erased_at", DateTime(timezone=True)),
    Index("complaints_to_erase", "received_at", postgresql_where=text("erased_at IS NULL")),
)

# Each complaint's data key (the key of its sealed personal data), wrapped by the master key
# (`CUSTOMER_MASTER_KEY`): never in clear here, never in the log. Erasure deletes the row.
data_keys = Table(
    "data_keys",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("caller_unit", Text, primary_key=True),
    Column("scope", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("request_hash", Text, nullable=False),
    Column("complaint_id", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The customer of each complaint, as a keyed hash of the normalised phone (domain.customers):
# how repeat complainants are recognised. Kept here only, never in the log, so that erasing a
# customer can delete it.
customer_keys = Table(
    "customer_keys",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("customer_key", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("customer_keys_by_key", "customer_key", "received_at"),
)

# The projection of the log.
complaint_views = Table(
    "complaint_views",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("kind", Text),
    Column("channel", Text),
    Column("receiving_unit", Text),
    Column("business_line", Text),
    Column("severity", Text),
    Column("flags", ARRAY(Text), nullable=False, server_default="{}"),
    Column("received_at", DateTime(timezone=True)),
    Column("customer", JSONB),  # masked
    Column("owner_unit", Text),
    Column("handling_level", Text),
    Column("restricted", Boolean, nullable=False, server_default="false"),
    Column("classification", Text),
    Column("satisfaction", Integer),  # of the latest return visit
    Column("units_involved", ARRAY(Text), nullable=False, server_default="{}"),
    Column("updated_at", DateTime(timezone=True)),
    # The shared lifecycle fold of the log, and what the worklist filters and sorts by.
    Column("state", JSONB),
    Column("provinces", ARRAY(Text), nullable=False, server_default="{}"),
    Column("category", Text),
    Column("handler_id", Text),
    Column("handler", JSONB),
    # The same customer's complaints in the 12 months before this one (the received event's).
    Column("prior_complaints", Integer, nullable=False, server_default="0"),
    Column("repeat_complainant", Boolean, nullable=False, server_default="false"),
    Column("next_due_at", DateTime(timezone=True)),
    Column("next_due", JSONB),  # {clock, due_at, state, owner_unit} of the earliest live clock
    # The worklist's sort key: next_due_at, 'infinity' without one, so that a cursor is one
    # row comparison an index can start from.
    Column("due_order", DateTime(timezone=True), nullable=False, server_default="infinity"),
    # The units that may decide the pending extension request (none without one): the worklist's
    # `awaiting` lists the complaint for them too.
    Column("extension_deciders", ARRAY(Text), nullable=False, server_default="{}"),
    Index("complaint_views_by_due", "due_order", "complaint_id"),
    Index("complaint_views_by_status", "status", "due_order", "complaint_id"),
    Index("complaint_views_by_owner", "owner_unit", "due_order", "complaint_id"),
    Index("complaint_views_by_handler", "handler_id", "due_order", "complaint_id"),
    Index("complaint_views_involved", "units_involved", postgresql_using="gin"),
    Index("complaint_views_provinces", "provinces", postgresql_using="gin"),
    Index("complaint_views_extension_deciders", "extension_deciders", postgresql_using="gin"),
)

clock_views = Table(
    "clock_views",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("clock", Text, primary_key=True),
    Column("state", Text, nullable=False),
    Column("owner_unit", Text),
    Column("started_at", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True)),
    Column("late", Boolean, nullable=False, server_default="false"),  # met after breaching
    # The calendar it runs on as the SLA monitor announced it: "24x7" or a unit's id.
    Column("calendar", Text),
    Column("updated_at", DateTime(timezone=True)),
    Index("clock_views_by_owner", "owner_unit", "state"),
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
    Column("data", JSONB, nullable=False),  # personal data removed
    # Record time: when the projection recorded the event (not the event's time), and the
    # complaint's view with its clocks right after it (masked, as the view holds it): what
    # `?as_of=` answers. NULL for entries recorded before revision 0005.
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("view_after", JSONB),
    Index("timeline_by_complaint", "complaint_id", "position"),
    Index("timeline_by_record_time", "complaint_id", "recorded_at"),
)
