"""Intake's first schema: messaging tables, the registry, idempotency keys, the projection.

Revision ID: 0001
"""

from alembic import op
from sqlalchemy import MetaData

from complaints_shared.migrations import create_messaging_tables_v1
from intake.adapters import tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables_v1()
    own = MetaData()
    for table in (
        tables.complaints,
        tables.idempotency_keys,
        tables.complaint_views,
        tables.clock_views,
        tables.timeline_entries,
    ):
        table.to_metadata(own)
    own.create_all(op.get_bind())


def downgrade() -> None:
    for name in (
        "timeline_entries",
        "clock_views",
        "complaint_views",
        "idempotency_keys",
        "complaints",
        "processed_events",
        "outbox",
    ):
        op.drop_table(name)
