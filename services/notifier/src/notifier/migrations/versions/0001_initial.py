"""The notifier's first schema: messaging tables and alerts.

Revision ID: 0001
"""

from alembic import op
from sqlalchemy import Column, DateTime, Index, Integer, MetaData, Table, Text, func

from complaints_shared.migrations import create_messaging_tables_v1

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables_v1()
    # The alerts table as this revision made it (later revisions alter it).
    own = MetaData()
    Table(
        "alerts",
        own,
        Column("alert_id", Text, primary_key=True),
        Column("complaint_id", Text, nullable=False),
        Column("cause_event_id", Text, nullable=False),
        Column("cause_type", Text, nullable=False),
        Column("recipient_unit", Text, nullable=False),
        Column("channel", Text, nullable=False),
        Column("recipient", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("message", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("alerts_by_complaint", "complaint_id", "created_at"),
    )
    own.create_all(op.get_bind())


def downgrade() -> None:
    for name in ("alerts", "processed_events", "outbox"):
        op.drop_table(name)
