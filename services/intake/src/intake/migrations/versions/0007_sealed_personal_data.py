"""Sealed personal data: each complaint's wrapped data key (`data_keys`), the sealed part of its
`complaint.received` on the command row, when it was received and when its personal data was
erased.

Revision ID: 0007
"""

from alembic import op

revision = "0007"
down_revision = "0006"

# IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS data_keys (complaint_id text PRIMARY KEY, "
    "wrapped_key bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS sealed jsonb",
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS received_at timestamptz",
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS erased_at timestamptz",
    # Complaints registered before: received when their view says, else when registered.
    "UPDATE complaints c SET received_at = coalesce((SELECT v.received_at FROM complaint_views v "
    "WHERE v.complaint_id = c.complaint_id), c.created_at) WHERE c.received_at IS NULL",
    "CREATE INDEX IF NOT EXISTS complaints_to_erase ON complaints (received_at) "
    "WHERE erased_at IS NULL",
)


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS complaints_to_erase")
    for column in ("erased_at", "received_at", "sealed"):
        op.execute(f"ALTER TABLE complaints DROP COLUMN IF EXISTS {column}")
    op.execute("DROP TABLE IF EXISTS data_keys")
