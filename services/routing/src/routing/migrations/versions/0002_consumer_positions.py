"""The consumer's position per partition, stored with the effects of what it applied.

Revision ID: 0002
"""

from complaints_shared.migrations import create_consumer_positions_v1, drop_consumer_positions_v1

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    create_consumer_positions_v1()


def downgrade() -> None:
    drop_consumer_positions_v1()
