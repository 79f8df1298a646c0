"""The SLA monitor's first schema: messaging tables and clocks.

Revision ID: 0001
"""

from alembic import op
from sqlalchemy import MetaData

from complaints_shared.migrations import create_messaging_tables_v1
from sla_monitor.adapters import tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables_v1()
    own = MetaData()
    tables.clocks.to_metadata(own)
    own.create_all(op.get_bind())


def downgrade() -> None:
    for name in ("clocks", "processed_events", "outbox"):
        op.drop_table(name)
