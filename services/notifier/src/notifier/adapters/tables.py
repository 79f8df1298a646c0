"""The notifier's tables: what it knows of each complaint, every alert, every delivery.

- `complaint_facts`: the complaint's shared lifecycle state (JSON), the media flag, the
  customer as masked text (the plain name and phone never reach this database), the last
  breach of each clock;
- `alerts`: one row per (cause event, recipient, channel), so a redelivered event tells
  nobody twice; each points at the delivery that carries it;
- `deliveries`: what the dispatcher sends: one alert, or a digest of the alerts a rate limit
  folded; attempts, next attempt and lease live here;
- `rate_windows`: per recipient (channel and address), the current window and its digest.
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
from sqlalchemy.dialects.postgresql import JSONB

from complaints_shared.messaging.tables import define_messaging_tables

metadata = MetaData()
outbox, processed_events = define_messaging_tables(metadata)

complaint_facts = Table(
    "complaint_facts",
    metadata,
    Column("complaint_id", Text, primary_key=True),
    Column("media", Boolean, nullable=False, server_default=text("false")),
    Column("handoff_told", Text),
    Column("customer", Text, nullable=False, server_default=""),  # masked
    # since revision 0003 (replacing receiving_unit, restricted, involved)
    Column("state", JSONB, nullable=False),  # lifecycle.to_json of the ComplaintState
    Column("breaches", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)

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
    # pending | folded | sent | failed | cancelled | superseded
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # since revision 0002
    Column("seq", BigInteger, Identity(), nullable=False),
    Column("delivery_id", Text),
    Column("subject", Text),
    Column("role", Text),
    Column("clock", Text),
    Column("language", Text),
    Column("scheduled_for", DateTime(timezone=True)),  # a later escalation step
    Column("sent_at", DateTime(timezone=True)),
    Column("reason", Text),  # why it failed or was called off
    Column("correlation_id", Text),
    Column("trace", JSONB),
    # since revision 0005: a warning is not sent after its clock's due time
    Column("expires_at", DateTime(timezone=True)),
    Index("alerts_by_complaint", "complaint_id", "created_at"),
    Index("alerts_by_delivery", "delivery_id"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),  # single | digest
    Column("channel", Text, nullable=False),
    Column("address", Text, nullable=False),  # a staff contact's address, for sending
    Column("recipient", Text, nullable=False),  # masked
    Column("recipient_unit", Text, nullable=False),
    Column("language", Text, nullable=False),
    # pending | sending | sent | failed | cancelled | superseded
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("lease_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Index(
        "deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status IN ('pending', 'sending')"),
    ),
)

rate_windows = Table(
    "rate_windows",
    metadata,
    Column("recipient_key", Text, primary_key=True),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("sent", Integer, nullable=False),
    Column("digest_id", Text),
)

# Every commit that adds deliveries wakes the dispatchers (the trigger is in revision 0002).
DELIVERIES_NOTIFY_CHANNEL = "notifier_deliveries"
