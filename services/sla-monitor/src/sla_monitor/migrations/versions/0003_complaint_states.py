"""Each complaint's lifecycle state, folded from the log, for visibility.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # Filled by the consumer; an existing projection is rebuilt from the log at start-up
    # (service_layer/recompute.py) because the table starts empty.
    op.create_table(
        "complaint_states",
        sa.Column("complaint_id", sa.Text, primary_key=True),
        sa.Column("state", JSONB, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("complaint_states")
