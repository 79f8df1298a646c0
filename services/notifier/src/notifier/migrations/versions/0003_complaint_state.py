"""Complaint facts carry the shared lifecycle state and the last breach of each clock.

`state` (JSONB) replaces `receiving_unit`, `restricted` and `involved`: it is
`complaints_shared.workflow.lifecycle.to_json` of the complaint as the notifier folded it.
Rows written before keep what those columns knew (receiving unit, restriction, the units
involved); their status and owner are unknown and stay at the fold's defaults, which the
notifier does not act on. `breaches` (JSONB): clock -> its last breach (owner, due time,
whether the owner was told, when the clock stopped).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"

BACKFILL = """
    UPDATE complaint_facts SET state = jsonb_build_object(
        'status', 'received',
        'registered', receiving_unit IS NOT NULL,
        'receiving_unit', receiving_unit,
        'restricted', restricted,
        'involved', involved
    )
"""
RESTORE = """
    UPDATE complaint_facts SET
        receiving_unit = state ->> 'receiving_unit',
        restricted = coalesce((state ->> 'restricted')::boolean, false),
        involved = coalesce(state -> 'involved', '[]'::jsonb)
"""


def old_columns() -> tuple[sa.Column, ...]:
    return (
        sa.Column("receiving_unit", sa.Text),
        sa.Column("restricted", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("involved", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    )


def upgrade() -> None:
    op.add_column("complaint_facts", sa.Column("state", JSONB))
    op.add_column(
        "complaint_facts",
        sa.Column("breaches", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.execute(BACKFILL)
    op.alter_column("complaint_facts", "state", nullable=False)
    for column in old_columns():
        op.drop_column("complaint_facts", column.name)


def downgrade() -> None:
    for column in old_columns():
        op.add_column("complaint_facts", column)
    op.execute(RESTORE)
    op.drop_column("complaint_facts", "breaches")
    op.drop_column("complaint_facts", "state")
