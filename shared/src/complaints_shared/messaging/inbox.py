"""The processed-events record that makes a consumer idempotent."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class Inbox:
    def __init__(self, table: Table, consumer: str) -> None:
        self.table = table
        self.consumer = consumer

    async def first_delivery(self, session: AsyncSession, event_id: str) -> bool:
        """Record the event as processed in the caller's transaction; False if it already was."""
        statement = (
            insert(self.table)
            .values(consumer=self.consumer, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(self.table.c.event_id)
        )
        return (await session.execute(statement)).first() is not None
