"""The workflow: command-side state, and what the worklist filters, sorts and shows.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"

# IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
_STATEMENTS = (
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS state jsonb",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS state jsonb",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS provinces text[] NOT NULL DEFAULT '{}'",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS category text",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS handler_id text",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS handler jsonb",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS next_due_at timestamptz",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS next_due jsonb",
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS due_order timestamptz NOT NULL "
    "DEFAULT 'infinity'",
    "CREATE INDEX IF NOT EXISTS complaint_views_by_due "
    "ON complaint_views (due_order, complaint_id)",
    "CREATE INDEX IF NOT EXISTS complaint_views_by_status "
    "ON complaint_views (status, due_order, complaint_id)",
    "CREATE INDEX IF NOT EXISTS complaint_views_by_owner "
    "ON complaint_views (owner_unit, due_order, complaint_id)",
    "CREATE INDEX IF NOT EXISTS complaint_views_by_handler "
    "ON complaint_views (handler_id, due_order, complaint_id)",
    "CREATE INDEX IF NOT EXISTS complaint_views_involved "
    "ON complaint_views USING gin (units_involved)",
    "CREATE INDEX IF NOT EXISTS complaint_views_provinces ON complaint_views USING gin (provinces)",
    "CREATE INDEX IF NOT EXISTS clock_views_by_owner ON clock_views (owner_unit, state)",
)


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for index in (
        "clock_views_by_owner",
        "complaint_views_provinces",
        "complaint_views_involved",
        "complaint_views_by_handler",
        "complaint_views_by_owner",
        "complaint_views_by_status",
        "complaint_views_by_due",
    ):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    for column in (
        "due_order",
        "next_due",
        "next_due_at",
        "handler",
        "handler_id",
        "category",
        "provinces",
    ):
        op.drop_column("complaint_views", column)
    op.drop_column("complaint_views", "state")
    op.drop_column("complaints", "state")
