"""The SLA monitor's handlers: clocks started and stopped from event time, never processing time."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.organisation import Organisation

from ..adapters.tables import clocks
from ..domain.calendars import calendar_for_unit
from ..domain.policy import ClockPolicy

SOURCE = "/sla-monitor"


class SlaHandlers:
    def __init__(
        self, org: Organisation, outbox: Outbox, policy: ClockPolicy, wake: asyncio.Event
    ) -> None:
        self.org = org
        self.outbox = outbox
        self.policy = policy
        self.wake = wake  # tells the breach ticker a new deadline exists

    def registry(self) -> dict[type, Handler]:
        return {r.ComplaintAssigned: self.start_resolve_clock}

    async def start_resolve_clock(
        self, session: AsyncSession, envelope: Envelope, event: r.ComplaintAssigned
    ) -> None:
        """A new owner: the old owner's clocks stop, the new owner's `resolve` clock starts."""
        await self._cancel_other_owners(session, envelope, event.owner_unit)
        calendar = calendar_for_unit(self.org, event.owner_unit)
        due = self.policy.resolve_due(calendar, envelope.time, event.handling_level)
        started = s.ClockStarted(
            clock="resolve",
            owner_unit=event.owner_unit,
            handling_level=event.handling_level,
            started_at=envelope.time,
            due_at=due,
            budget_seconds=int(
                calendar.day_length().total_seconds()
                * self.policy.resolve_days[event.handling_level]
            ),
            calendar=self.org.inherited(event.owner_unit, "calendar") or "default",
        )
        out = envelope.caused(
            type=started.type_name(),
            source=SOURCE,
            data=started.model_dump(mode="json"),
            discriminator="resolve",
        )
        values = {
            "owner_unit": started.owner_unit,
            "state": "running",
            "started_at": started.started_at,
            "due_at": started.due_at,
            "budget_seconds": started.budget_seconds,
            "calendar": started.calendar,
            "started_event_id": out.id,
        }
        statement = insert(clocks).values(complaint_id=envelope.subject, clock="resolve", **values)
        await session.execute(
            statement.on_conflict_do_update(index_elements=["complaint_id", "clock"], set_=values)
        )
        await self.outbox.append(session, [out])
        self.wake.set()

    async def _cancel_other_owners(
        self, session: AsyncSession, envelope: Envelope, new_owner: str
    ) -> None:
        running = (
            await session.execute(
                select(clocks.c.clock, clocks.c.owner_unit)
                .where(
                    clocks.c.complaint_id == envelope.subject,
                    clocks.c.state == "running",
                    clocks.c.owner_unit != new_owner,
                    clocks.c.clock != "customer",  # end to end: no hand-off resets it
                )
                .with_for_update()
            )
        ).all()
        for clock, owner in running:
            stopped = s.ClockStopped(
                clock=clock, owner_unit=owner, outcome="cancelled", stopped_at=envelope.time
            )
            await session.execute(
                update(clocks)
                .where(clocks.c.complaint_id == envelope.subject, clocks.c.clock == clock)
                .values(state="cancelled")
            )
            await self.outbox.append(
                session,
                [
                    envelope.caused(
                        type=stopped.type_name(),
                        source=SOURCE,
                        data=stopped.model_dump(mode="json"),
                        discriminator=f"stop:{clock}",
                    )
                ],
            )
