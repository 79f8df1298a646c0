"""The dashboard's first schema: messaging tables and its projection of the log.

Revision ID: 0001
"""

from alembic import op
from sqlalchemy import MetaData

from complaints_shared.migrations import create_messaging_tables_v1
from dashboard.adapters import tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables_v1()
    own = MetaData()
    for table in (tables.complaints, tables.clock_runs, tables.samples, tables.timeline_entries):
        table.to_metadata(own)
    own.create_all(op.get_bind())
    for statement in tables.CHANGES_TRIGGER_SQL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS dashboard_notify ON complaints")
    op.execute("DROP FUNCTION IF EXISTS dashboard_notify()")
    for name in (
        "timeline_entries",
        "samples",
        "clock_runs",
        "complaints",
        "processed_events",
        "outbox",
    ):
        op.drop_table(name)
