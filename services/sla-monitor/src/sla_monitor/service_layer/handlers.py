"""The SLA monitor's handlers: fold each relevant log event into its complaint's clocks, and
every lifecycle event into its shared state (`lifecycle_fold`), in one transaction."""

from __future__ import annotations

import asyncio
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler, current_partition
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.organisation import Organisation

from ..domain import clocks as k
from ..domain.calendars import calendar_for_unit
from ..domain.working_time import Calendar
from . import clock_store
from .lifecycle_fold import with_lifecycle_fold
from .translate import LISTENS_TO, clock_input, effect_envelopes


def unit_calendars(org: Organisation) -> k.Calendars:
    """Each unit's working calendar, built once, and one shared object per distinct
    (calendar, time zone): the working-time engine caches day intervals per calendar, and
    equal-but-separate calendars would make every cache lookup compare whole holiday sets."""
    shared: dict[tuple[str | None, str | None], Calendar] = {}

    @cache
    def calendar(unit_id: str) -> Calendar:
        key = (org.inherited(unit_id, "calendar"), org.inherited(unit_id, "timezone"))
        if key not in shared:
            shared[key] = calendar_for_unit(org, unit_id)
        return shared[key]

    return calendar


class ClockProjector:
    def __init__(
        self, org: Organisation, outbox: Outbox, policy: k.ClockPolicy, wake: asyncio.Event
    ) -> None:
        self.outbox = outbox
        self.policy = policy
        self.calendars = unit_calendars(org)
        self.wake = wake  # tells the breach ticker a deadline may have moved

    def registry(self) -> dict[type, Handler]:
        return with_lifecycle_fold({event_type: self.apply for event_type in LISTENS_TO})

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
