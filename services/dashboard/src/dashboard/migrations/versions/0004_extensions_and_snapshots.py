"""Deadline extensions and time travel (`?as_of=`): each complaint's extension requests, which
clock runs an extension moved, when the projection recorded each timeline entry, and a snapshot
of the complaint after each event (`complaint_snapshots`).

Existing rows: no extension requests and no extended runs (the projection knew of none before
this revision; a rebuild from the log fills them in). Each existing timeline entry reads as
recorded when its complaint last changed, and each existing complaint gets one snapshot taken
then, from its row, runs and samples: history before this revision collapses into that moment.

Revision ID: 0004
"""

from alembic import op
from sqlalchemy import MetaData

from dashboard.adapters import tables

revision = "0004"
down_revision = "0003"

# IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
_COLUMNS = (
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS extension_requests jsonb NOT NULL "
    "DEFAULT '[]'::jsonb",
    "ALTER TABLE clock_runs ADD COLUMN IF NOT EXISTS extensions integer NOT NULL DEFAULT 0",
    "ALTER TABLE clock_runs ADD COLUMN IF NOT EXISTS original_due_at timestamptz",
    "ALTER TABLE timeline_entries ADD COLUMN IF NOT EXISTS recorded_at timestamptz",
)
_BACKFILL = (
    """
    UPDATE timeline_entries e SET recorded_at = c.updated_at
    FROM complaints c WHERE c.complaint_id = e.complaint_id AND e.recorded_at IS NULL
    """,
    "UPDATE timeline_entries SET recorded_at = now() WHERE recorded_at IS NULL",
    "ALTER TABLE timeline_entries ALTER COLUMN recorded_at SET DEFAULT now()",
    "ALTER TABLE timeline_entries ALTER COLUMN recorded_at SET NOT NULL",
    # One snapshot per complaint, as `snapshots.to_json` writes it, recorded when it last changed.
    """
    INSERT INTO complaint_snapshots (complaint_id, event_id, recorded_at, complaint, received_at,
        status, restricted, units_involved, visit_due)
    SELECT c.complaint_id, NULL, c.updated_at,
        jsonb_build_object(
            'complaint_id', c.complaint_id, 'state', c.state, 'kind', c.kind,
            'channel', c.channel, 'severity', c.severity, 'received_at', c.received_at,
            'customer_name', c.customer_name, 'customer_phone', c.customer_phone,
            'prior_complaints', c.prior_complaints, 'key_customer', c.key_customer,
            'owner_accepted', c.owner_accepted, 'early_acceptance', c.early_acceptance,
            'classification', c.classification, 'satisfaction', c.satisfaction,
            'return_visits', c.return_visits, 'visit_reached', c.visit_reached,
            'visited_at', c.visited_at, 'resolved_at', c.resolved_at,
            'last_event_at', c.last_event_at, 'extension_requests', c.extension_requests,
            'runs', COALESCE((
                SELECT jsonb_agg(jsonb_build_object(
                    'clock', r.clock, 'run', r.run, 'owner_unit', r.owner_unit,
                    'started_at', r.started_at, 'due_at', r.due_at, 'state', r.state,
                    'breached', r.breached, 'stopped_at', r.stopped_at, 'late', r.late,
                    'extensions', r.extensions, 'original_due_at', r.original_due_at))
                FROM clock_runs r WHERE r.complaint_id = c.complaint_id), '[]'::jsonb),
            'samples', COALESCE((
                SELECT jsonb_agg(jsonb_build_object(
                    'measure', s.measure, 'unit', s.unit, 'at', s.at, 'seconds', s.seconds))
                FROM samples s WHERE s.complaint_id = c.complaint_id), '[]'::jsonb)
        ),
        c.received_at, c.status, c.restricted, c.units_involved,
        EXISTS (
            SELECT 1 FROM clock_runs r WHERE r.complaint_id = c.complaint_id
            AND r.clock = 'return_visit' AND r.state IN ('running', 'paused')
        )
    FROM complaints c
    WHERE NOT EXISTS (
        SELECT 1 FROM complaint_snapshots x WHERE x.complaint_id = c.complaint_id
    )
    """,
)


def upgrade() -> None:
    for statement in _COLUMNS:
        op.execute(statement)
    own = MetaData()
    tables.complaint_snapshots.to_metadata(own)
    own.create_all(op.get_bind(), checkfirst=True)
    for statement in _BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("complaint_snapshots")
    op.drop_column("timeline_entries", "recorded_at")
    op.drop_column("clock_runs", "original_due_at")
    op.drop_column("clock_runs", "extensions")
    op.drop_column("complaints", "extension_requests")
