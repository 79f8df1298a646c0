"""The monthly reports' facts (`report_facts`, adapters/report_tables.py).

Events applied before this revision are not in it (the projection did not keep what the
reports need: who handled a complaint at each breach, what customers asked on return visits); a
dashboard database built from the start of the log has them all (docs/reports.md).

Revision ID: 0007
"""

from alembic import op
from sqlalchemy import MetaData

from dashboard.adapters import report_tables

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    own = MetaData()
    report_tables.report_facts.to_metadata(own)
    own.create_all(op.get_bind())


def downgrade() -> None:
    op.drop_table("report_facts")
