"""The SLA monitor's first schema: messaging tables and clocks.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from complaints_shared.migrations import create_messaging_tables_v1

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables_v1()
    op.create_table(
        "clocks",
        sa.Column("complaint_id", sa.Text, primary_key=True),
        sa.Column("clock", sa.Text, primary_key=True),
        sa.Column("owner_unit", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("budget_seconds", sa.BigInteger, nullable=False),
        sa.Column("calendar", sa.Text, nullable=False),
        sa.Column("started_event_id", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in ("clocks", "processed_events", "outbox"):
        op.drop_table(name)
