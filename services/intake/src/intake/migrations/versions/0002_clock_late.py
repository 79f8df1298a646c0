"""Clocks met after breaching are marked late.

Revision ID: 0002
"""

from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
    op.execute(
        "ALTER TABLE clock_views ADD COLUMN IF NOT EXISTS late boolean NOT NULL DEFAULT false"
    )


def downgrade() -> None:
    op.drop_column("clock_views", "late")
