"""Return visits and repeat complainants: whether the customer is a key customer and how many
complaints it made in the 12 months before, how many return visits were made, and whether the
latest one reached the customer and when; an index for the complaints with a return visit due.

Existing rows take their visits from their timeline entries (`complaint.return_visit_recorded`,
which kept the time and the score): the count, the latest one's time, and `reached` true (the
event's default before it said otherwise; the entries do not keep it). The prior complaints
and the key-customer flag are not in the entries (they keep no customer data): existing rows
read 0 and false until the projection is rebuilt from the log.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"

# IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
_STATEMENTS = (
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS prior_complaints integer NOT NULL DEFAULT 0",
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS key_customer boolean NOT NULL DEFAULT false",
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS return_visits integer NOT NULL DEFAULT 0",
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS visit_reached boolean",
    "ALTER TABLE complaints ADD COLUMN IF NOT EXISTS visited_at timestamptz",
    """
    UPDATE complaints c SET return_visits = v.n, visit_reached = true, visited_at = v.latest
    FROM (
        SELECT complaint_id, count(*) AS n, max(time) AS latest FROM timeline_entries
        WHERE type = 'complaint.return_visit_recorded' GROUP BY complaint_id
    ) v
    WHERE v.complaint_id = c.complaint_id AND c.return_visits = 0
    """,
    "CREATE INDEX IF NOT EXISTS clock_runs_active_after_resolution ON clock_runs (complaint_id) "
    "WHERE clock = 'return_visit' AND state IN ('running', 'paused')",
)


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS clock_runs_active_after_resolution")
    for column in (
        "visited_at",
        "visit_reached",
        "return_visits",
        "key_customer",
        "prior_complaints",
    ):
        op.drop_column("complaints", column)
