"""The complaint's category (what went wrong), for the figures' breakdowns by category.

Existing rows keep none (NULL: the dashboard did not keep the category before this revision,
and its timeline entries left it out too); their figures count them under the empty key until
the projection is rebuilt from the log. The snapshots need no column: the category is no filter
of the `?as_of=` reads, and each snapshot's JSON carries it from now on (an older snapshot reads
as None).

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
    op.execute("ALTER TABLE complaints ADD COLUMN IF NOT EXISTS category text")


def downgrade() -> None:
    op.drop_column("complaints", "category")
