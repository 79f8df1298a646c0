"""Deliveries through a dispatcher: complaint facts, deliveries, rate windows; alerts extended.

The tables are spelled out as this revision makes them, so later changes to
`notifier.adapters.tables` do not change what this revision does.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"

TZ = sa.DateTime(timezone=True)
NEW_ALERT_COLUMNS = (
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
    sa.Column("delivery_id", sa.Text),
    sa.Column("subject", sa.Text),
    sa.Column("role", sa.Text),
    sa.Column("clock", sa.Text),
    sa.Column("language", sa.Text),
    sa.Column("scheduled_for", TZ),
    sa.Column("sent_at", TZ),
    sa.Column("reason", sa.Text),
    sa.Column("correlation_id", sa.Text),
    sa.Column("trace", JSONB),
)
TRIGGER_SQL = (
    """
    CREATE OR REPLACE FUNCTION deliveries_notify() RETURNS trigger AS $$
    BEGIN PERFORM pg_notify('notifier_deliveries', ''); RETURN NULL; END; $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify()
    """,
)


def upgrade() -> None:
    for column in NEW_ALERT_COLUMNS:
        op.add_column("alerts", column)
    op.create_index("alerts_by_delivery", "alerts", ["delivery_id"])
    op.create_table(
        "complaint_facts",
        sa.Column("complaint_id", sa.Text, primary_key=True),
        sa.Column("receiving_unit", sa.Text),
        sa.Column("media", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("restricted", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("involved", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("handoff_told", sa.Text),
        sa.Column("customer", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "deliveries",
        sa.Column("delivery_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("recipient_unit", sa.Text, nullable=False),
        sa.Column("language", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("lease_until", TZ),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", TZ),
    )
    op.create_index(
        "deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_table(
        "rate_windows",
        sa.Column("recipient_key", sa.Text, primary_key=True),
        sa.Column("window_start", TZ, nullable=False),
        sa.Column("sent", sa.Integer, nullable=False),
        sa.Column("digest_id", sa.Text),
    )
    for statement in TRIGGER_SQL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS deliveries_notify ON deliveries")
    op.execute("DROP FUNCTION IF EXISTS deliveries_notify()")
    for name in ("rate_windows", "deliveries", "complaint_facts"):
        op.drop_table(name)
    op.drop_index("alerts_by_delivery", "alerts")
    for column in NEW_ALERT_COLUMNS:
        op.drop_column("alerts", column.name)
