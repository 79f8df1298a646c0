"""The SLA monitor's handlers: fold each relevant log event into its complaint's clocks, and
every lifecycle event into its shared state (`lifecycle_fold`), in one transaction. The clocks
go first: their warnings, breaches and stops are attributed to the handler of the lifecycle
state as it stood before the event."""

from __future__ import annotations

import asyncio
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.messaging.consumer import Handler, current_partition
from complaints_shared.organisation import Organisation

from ..adapters.stores import Stores
from ..domain import clocks as k
from ..domain.calendars import calendar_for_unit
from ..domain.working_time import Calendar
from .lifecycle_fold import with_lifecycle_fold
from .metrics import count_fired
from .translate import LISTENS_TO, cause_of, clock_input, effect_envelopes, visit_owners


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
    """Folds the log into every complaint's clocks and appends the `sla.*` events they cause."""

    def __init__(
        self, org: Organisation, policy: k.ClockPolicy, wake: asyncio.Event, stores: Stores
    ) -> None:
        self.policy = policy
        self.calendars = unit_calendars(org)
        self.visit_owners = visit_owners(org)
        self.wake = wake  # tells the breach ticker a deadline may have moved
        self.stores = stores

    def registry(self) -> dict[type[Event], Handler]:
        own: dict[type[Event], Handler] = {event_type: self.apply for event_type in LISTENS_TO}
        return with_lifecycle_fold(own, self.stores.complaint_states)

    async def apply(self, session: AsyncSession, envelope: Envelope, event: Event) -> None:
        clock_event = clock_input(envelope, event, self.visit_owners)
        if clock_event is None:
            return
        complaint_id = envelope.subject
        clocks = self.stores.clocks(session)
        state = await clocks.load(complaint_id)
        # Not folded yet (the lifecycle fold runs after this handler): who held it until now.
        lifecycle = await self.stores.complaint_states(session).load_for_update(complaint_id)
        state, effects = k.decide(
            state, clock_event, self.policy, self.calendars, handler=lifecycle.handler
        )
        await clocks.save(complaint_id, current_partition.get(), state, effects, self.calendars)
        count_fired(effects, state)
        envelopes = effect_envelopes(
            complaint_id, effects, cause_of(envelope), state, self.calendars
        )
        await self.stores.outbox.append(session, envelopes)
        self.wake.set()
