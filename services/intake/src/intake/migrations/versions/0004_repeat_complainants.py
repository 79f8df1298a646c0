"""Repeat complainants: the customers' keys, and the prior complaints each view shows.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"

# IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS customer_keys ("
    "complaint_id text PRIMARY KEY, "
    "customer_key text NOT NULL, "
    "received_at timestamptz NOT NULL)",
    "CREATE INDEX IF NOT EXISTS customer_keys_by_key ON customer_keys (customer_key, received_at)",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS prior_complaints integer NOT NULL "
    "DEFAULT 0",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS repeat_complainant boolean NOT NULL "
    "DEFAULT false",
)


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_column("complaint_views", "repeat_complainant")
    op.drop_column("complaint_views", "prior_complaints")
    op.execute("DROP TABLE IF EXISTS customer_keys")
