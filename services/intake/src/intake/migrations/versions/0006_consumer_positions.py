"""The consumer's position per partition, stored with the effects of what it applied.

Revision ID: 0006
"""

from complaints_shared.migrations import create_consumer_positions_v1, drop_consumer_positions_v1

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    create_consumer_positions_v1()


def downgrade() -> None:
    drop_consumer_positions_v1()
