"""Writing to the outbox: events are inserted in the caller's transaction, never sent directly."""

from __future__ import annotations

import base64
from collections.abc import Iterable

from opentelemetry import trace
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..contracts.envelope import Envelope, to_kafka
from ..contracts.topics import COMPLAINT_EVENTS
from ..telemetry import annotate, current_complaint, current_trace_headers


def encode_headers(headers: Iterable[tuple[str, bytes]]) -> list[list[str]]:
    return [[name, base64.b64encode(value).decode()] for name, value in headers]


def decode_headers(headers: list[list[str]]) -> list[tuple[str, bytes]]:
    return [(name, base64.b64decode(value)) for name, value in headers]


class Outbox:
    """Appends events to a service's outbox table within the caller's transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def append(self, session: AsyncSession, envelopes: Iterable[Envelope]) -> None:
        rows = []
        for envelope in envelopes:
            if current_complaint() is None:  # a request creating a complaint: name it
                annotate(trace.get_current_span(), envelope.subject)
            if not envelope.trace:
                envelope = envelope.with_trace(current_trace_headers())
            key, value, headers = to_kafka(envelope)
            rows.append(
                {
                    "event_id": envelope.id,
                    "topic": COMPLAINT_EVENTS,
                    "key": key.decode(),
                    "value": value,
                    "headers": encode_headers(headers),
                }
            )
        await self._insert(session, rows)

    async def append_raw(
        self,
        session: AsyncSession,
        *,
        event_id: str,
        topic: str,
        key: str,
        value: bytes,
        headers: list[tuple[str, bytes]],
    ) -> None:
        """A record that is not one of our envelopes (a dead letter keeps the original bytes)."""
        await self._insert(
            session,
            [
                {
                    "event_id": event_id,
                    "topic": topic,
                    "key": key,
                    "value": value,
                    "headers": encode_headers(headers),
                }
            ],
        )

    async def _insert(self, session: AsyncSession, rows: list[dict]) -> None:
        if rows:
            # A re-derived event (same deterministic id) is already there: keep the first.
            statement = insert(self.table).on_conflict_do_nothing(index_elements=["event_id"])
            await session.execute(statement, rows)
