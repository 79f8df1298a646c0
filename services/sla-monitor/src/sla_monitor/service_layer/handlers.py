"""The SLA monitor's handler: fold each relevant log event into its complaint's clocks."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler, current_partition
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.organisation import Organisation

from ..domain import clocks as k
from ..domain.calendars import calendar_for_unit
from . import clock_store
from .translate import LISTENS_TO, clock_input, effect_envelopes


def unit_calendars(org: Organisation) -> k.Calendars:
    """Each unit's working calendar, built once."""
    return lru_cache(maxsize=None)(lambda unit_id: calendar_for_unit(org, unit_id))


class ClockProjector:
    def __init__(
        self, org: Organisation, outbox: Outbox, policy: k.ClockPolicy, wake: asyncio.Event
    ) -> None:
        self.outbox = outbox
        self.policy = policy
        self.calendars = unit_calendars(org)
        self.wake = wake  # tells the breach ticker a deadline may have moved

    def registry(self) -> dict[type, Handler]:
        return {event_type: self.apply for event_type in LISTENS_TO}

    async def apply(self, session: AsyncSession, envelope: Envelope, event: Event) -> None:
        clock_event = clock_input(envelope, event)
        if clock_event is None:
            return
        state = await clock_store.load(session, envelope.subject)
        state, effects = k.decide(state, clock_event, self.policy, self.calendars)
        await clock_store.save(
            session, envelope.subject, current_partition.get(), state, effects, self.calendars
        )
        await self.outbox.append(
            session, effect_envelopes(envelope.subject, effects, envelope, state, self.calendars)
        )
        self.wake.set()
