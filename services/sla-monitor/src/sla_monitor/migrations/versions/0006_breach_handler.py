"""The handler a breach is attributed to: who held the complaint when it breached.

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    # IF NOT EXISTS: revision 0002 creates `breaches` from the current table definition, which
    # already has these columns on a fresh database. Existing rows get them when the projection
    # is rebuilt at start-up (the fold's rules changed: service_layer/recompute.py FOLD_RULES).
    op.execute("ALTER TABLE breaches ADD COLUMN IF NOT EXISTS handler_id text")
    op.execute("ALTER TABLE breaches ADD COLUMN IF NOT EXISTS handler_name text")


def downgrade() -> None:
    op.drop_column("breaches", "handler_name")
    op.drop_column("breaches", "handler_id")
