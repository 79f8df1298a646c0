"""A consumer group's position in each partition, kept in the service's own database.

The consume loop writes the offset of the next record to apply in the same transaction as the
effects of the records before it, so effects and position commit or roll back together: the
position is exact, whatever the broker remembers. Kafka's committed offsets are only a hint.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka import TopicPartition
from sqlalchemy import Table, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from .tables import CONSUMER_POSITIONS


class Positions:
    def __init__(self, group_id: str, table: Table = CONSUMER_POSITIONS) -> None:
        self.group_id = group_id
        self.table = table

    async def claim(self, session: AsyncSession, tp: TopicPartition, first_offset: int) -> int:
        """Lock the partition's position for the caller's transaction and return it; a
        partition without one starts at `first_offset`. The row lock serialises batches of
        one partition: a second instance that fetched the same records (a rebalance, a
        broker that forgot our offsets) waits here, then sees how far the first one got."""
        t = self.table
        statement = (
            insert(t)
            .values(
                group_id=self.group_id,
                topic=tp.topic,
                partition=tp.partition,
                next_offset=first_offset,
            )
            .on_conflict_do_update(
                index_elements=[t.c.group_id, t.c.topic, t.c.partition],
                set_={"next_offset": t.c.next_offset},  # unchanged: taken for its lock
            )
            .returning(t.c.next_offset)
        )
        return int((await session.execute(statement)).scalar_one())

    async def advance(self, session: AsyncSession, tp: TopicPartition, next_offset: int) -> None:
        t = self.table
        await session.execute(
            update(t)
            .where(
                t.c.group_id == self.group_id,
                t.c.topic == tp.topic,
                t.c.partition == tp.partition,
            )
            .values(next_offset=next_offset, updated_at=func.now())
        )

    async def stored(
        self, conn: AsyncConnection | AsyncSession, partitions: Iterable[TopicPartition]
    ) -> dict[TopicPartition, int]:
        """The stored positions of `partitions` (those without one are left out)."""
        wanted = [(tp.topic, tp.partition) for tp in partitions]
        if not wanted:
            return {}
        t = self.table
        rows = await conn.execute(
            select(t.c.topic, t.c.partition, t.c.next_offset).where(
                t.c.group_id == self.group_id,
                tuple_(t.c.topic, t.c.partition).in_(wanted),
            )
        )
        return {TopicPartition(r.topic, r.partition): int(r.next_offset) for r in rows}
