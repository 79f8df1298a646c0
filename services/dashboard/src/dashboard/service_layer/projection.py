"""The dashboard's one handler: fold every event of the log into its complaint's facts, and
keep the complaint as it stood after each event (a snapshot, for `?as_of=`) and what the event
adds to the monthly reports (`report_facts`, docs/reports.md).

It runs in the consumer's transaction, together with the inbox record, so a redelivered event
changes nothing. The dashboard appends nothing to the log: it only reads.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.contracts.personal_data_events import PersonalDataErased
from complaints_shared.messaging.consumer import Handler

from ..adapters.projection_interfaces import ProjectionStore
from ..adapters.report_store import ReportFactStore
from ..adapters.repository import SqlProjection
from ..domain.fold import apply
from ..domain.report_facts import facts_of
from ..domain.timeline import public_data

# The store to write through, on the consumer's session (a fake ignores the session).
Stores = Callable[[AsyncSession], ProjectionStore]
FactStores = Callable[[AsyncSession], ReportFactStore]


class DashboardProjection:
    def __init__(self, stores: Stores = SqlProjection, facts: FactStores | None = None) -> None:
        """`facts`: where the report facts go (None: nowhere, for tests of the rest)."""
        self.stores = stores
        self.facts = facts

    def registry(self) -> dict[type[Event], Handler]:
        return {Event: self.project}

    async def project(self, session: AsyncSession, envelope: Envelope, event: Event) -> None:
        """Apply one event (already de-duplicated by the inbox) to the projection."""
        store = self.stores(session)
        await store.add_entry(
            complaint_id=envelope.subject,
            event_id=envelope.id,
            type=event.NAME,
            time=envelope.time,
            source=envelope.source,
            data=public_data(event.model_dump(mode="json")),
        )
        before = await store.load(envelope.subject)
        complaint = apply(before, event, envelope.time, envelope.id)
        await store.save(complaint)
        facts = self.facts(session) if self.facts is not None else None
        if facts is not None:
            await facts.add(facts_of(before, complaint, event, envelope.id, envelope.time))
        if isinstance(event, PersonalDataErased):
            await store.forget_customer(envelope.subject)
            if facts is not None:
                await facts.forget_customer(envelope.subject)
        await store.add_snapshot(complaint, event_id=envelope.id)
