"""Deadline extensions on the flattened clocks: the due time before the first, and how many.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # IF NOT EXISTS: revision 0002 creates `clocks` from the current table definition, which
    # already has these columns on a fresh database. Existing rows get them when the projection
    # is rebuilt at start-up (the fold's rules changed: service_layer/recompute.py).
    op.execute("ALTER TABLE clocks ADD COLUMN IF NOT EXISTS original_due_at timestamptz")
    op.execute("ALTER TABLE clocks ADD COLUMN IF NOT EXISTS extensions integer NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.drop_column("clocks", "extensions")
    op.drop_column("clocks", "original_due_at")
