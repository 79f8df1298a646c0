"""Read the whole log and hand each event to the handler the live consumer would call.

The same decisions as `messaging.consumer.LogConsumer._apply`, without a database: a record
that does not decode is counted (the live consumer dead-letters it); an event without a
handler is skipped; an event whose id was applied before is a duplicate (the inbox); a
handler that raises is rolled back alone and counted as refused (the live consumer
dead-letters it and, as here, does not record it as applied, so a redriven copy applies).

Handlers are the service's own (the live consumer's registry), wired to in-memory stores that
ignore the session they are given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from ..contracts.base import Event
from ..contracts.envelope import Envelope, MalformedEvent, from_kafka
from ..contracts.registry import parse
from ..contracts.topics import COMPLAINT_EVENTS
from ..messaging.consumer import Handler
from ..messaging.log_reader import read_log
from .journal import Journal

# What replay handlers are given for the consumer's session: their stores ignore it.
NO_SESSION = cast(AsyncSession, None)
PROGRESS_EVERY = 2_000  # records between progress reports


@dataclass
class Folded:
    """What reading the log came to."""

    records: int = 0
    applied: int = 0
    duplicates: int = 0
    skipped: int = 0  # no handler for its type
    malformed: int = 0
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (event id, type, why)
    complaints: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)  # event ids applied

    def summary(self) -> str:
        refused = len(self.refused)
        return (
            f"applied {self.applied}, duplicates {self.duplicates}, skipped {self.skipped}, "
            f"malformed {self.malformed}, refused {refused}"
        )


async def fold_log(
    bootstrap_servers: str,
    handlers: Mapping[type[Event], Handler],
    journal: Journal,
    *,
    topic: str = COMPLAINT_EVENTS,
    before: Callable[[Envelope], None] | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Folded:
    """Apply every record now in `topic` through `handlers`; `before(envelope)` is called
    before each handler (a replay whose rules read the time sets it to the event's)."""
    folded = Folded()
    unreported = 0
    async for record in read_log(bootstrap_servers, topic, on_total=on_total):
        folded.records += 1
        unreported += 1
        if progress is not None and unreported >= PROGRESS_EVERY:
            progress(unreported)
            unreported = 0
        try:
            envelope = from_kafka(record.key, record.value, record.headers)
            event = parse(envelope)
        except MalformedEvent:
            folded.malformed += 1
            continue
        handler = None if event is None else handlers.get(type(event)) or handlers.get(Event)
        if event is None or handler is None:
            folded.skipped += 1
            continue
        if envelope.id in folded.seen:
            folded.duplicates += 1
            continue
        if before is not None:
            before(envelope)
        journal.begin()
        try:
            await handler(NO_SESSION, envelope, event)
        except Exception as exc:  # noqa: BLE001 - the live consumer dead-letters it
            journal.rollback()
            folded.refused.append((envelope.id, envelope.type, repr(exc)))
            continue
        journal.commit()
        folded.seen.add(envelope.id)
        folded.complaints.add(envelope.subject)
        folded.applied += 1
    if progress is not None and unreported:
        progress(unreported)
    return folded
