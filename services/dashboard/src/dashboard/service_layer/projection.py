"""The dashboard's one handler: fold every event of the log into its complaint's facts.

It runs in the consumer's transaction, together with the inbox record, so a redelivered event
changes nothing. The dashboard appends nothing to the log: it only reads.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler

from ..adapters import repository
from ..domain.fold import apply
from ..domain.timeline import public_data


class DashboardProjection:
    def registry(self) -> dict[type, Handler]:
        return {Event: self.project}

    async def project(self, session: AsyncSession, envelope: Envelope, event: Event) -> None:
        """Apply one event (already de-duplicated by the inbox) to the projection."""
        await repository.add_entry(
            session,
            complaint_id=envelope.subject,
            event_id=envelope.id,
            type=event.NAME,
            time=envelope.time,
            source=envelope.source,
            data=public_data(event.model_dump(mode="json")),
        )
        complaint = await repository.load(session, envelope.subject)
        await repository.save(session, apply(complaint, event, envelope.time))
