"""Each clock view keeps the calendar it runs on (`ClockStarted.calendar`), so the complaint's
clocks can be marked `calendar_uncovered`.

Revision ID: 0008
"""

from alembic import op

revision = "0008"
down_revision = "0007"

# IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
_STATEMENTS = (
    "ALTER TABLE clock_views ADD COLUMN IF NOT EXISTS calendar text",
    # Clocks projected before: the SLA monitor ran resolve, customer and return_visit on their
    # owner's calendar and every other clock round the clock.
    "UPDATE clock_views SET calendar = CASE WHEN clock IN ('resolve', 'customer', "
    "'return_visit') THEN owner_unit ELSE '24x7' END WHERE calendar IS NULL",
)


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_column("clock_views", "calendar")
