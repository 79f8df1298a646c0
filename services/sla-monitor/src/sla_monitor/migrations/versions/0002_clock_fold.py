"""Clocks as a fold per complaint: state, flattened clocks, breaches, projection fingerprint.

Revision ID: 0002
"""

from alembic import op
from sqlalchemy import MetaData

from sla_monitor.adapters import tables

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.drop_table("clocks")
    own = MetaData()
    for table in (
        tables.complaint_clocks,
        tables.clocks,
        tables.breaches,
        tables.projection_meta,
    ):
        table.to_metadata(own)
    own.create_all(op.get_bind())


def downgrade() -> None:
    for name in ("projection_meta", "breaches", "clocks", "complaint_clocks"):
        op.drop_table(name)
