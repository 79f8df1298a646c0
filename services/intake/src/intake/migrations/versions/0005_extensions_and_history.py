"""Extension requests on the worklist, and the history `?as_of=` reads: each timeline entry's
record time and the complaint's view right after it.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"

# IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
_STATEMENTS = (
    "ALTER TABLE complaint_views ADD COLUMN IF NOT EXISTS extension_deciders text[] NOT NULL "
    "DEFAULT '{}'",
    "CREATE INDEX IF NOT EXISTS complaint_views_extension_deciders "
    "ON complaint_views USING gin (extension_deciders)",
    "ALTER TABLE timeline_entries ADD COLUMN IF NOT EXISTS recorded_at timestamptz NOT NULL "
    "DEFAULT now()",
    "ALTER TABLE timeline_entries ADD COLUMN IF NOT EXISTS view_after jsonb",
    # Entries recorded before this revision: the time their event was processed, where the inbox
    # still has it (their snapshots cannot be rebuilt here; they stay NULL).
    "UPDATE timeline_entries t SET recorded_at = p.processed_at FROM processed_events p "
    "WHERE p.consumer = 'intake' AND p.event_id = t.event_id AND t.view_after IS NULL",
    "CREATE INDEX IF NOT EXISTS timeline_by_record_time "
    "ON timeline_entries (complaint_id, recorded_at)",
)


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS timeline_by_record_time")
    op.execute("DROP INDEX IF EXISTS complaint_views_extension_deciders")
    op.drop_column("timeline_entries", "view_after")
    op.drop_column("timeline_entries", "recorded_at")
    op.drop_column("complaint_views", "extension_deciders")
