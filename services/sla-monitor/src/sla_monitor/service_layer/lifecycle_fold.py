"""Every event that can change a complaint's lifecycle, folded into its shared state.

The state (`complaints_shared.workflow.lifecycle`) tells who is involved and whether the case
is restricted: what every read path decides visibility on (docs/workflow.md). It also tells
who the handler is, to whom the clock handler attributes warnings, breaches and stops. The fold
runs in the same transaction as the clock handler of the same event, after it, so the clock
handler reads the state as it stood before the event (the handler up to that moment).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.contracts.registry import CATALOGUE
from complaints_shared.messaging.consumer import Handler
from complaints_shared.workflow.lifecycle import ComplaintState, apply

from ..adapters.complaint_states import ComplaintStates

StatesOf = Callable[[AsyncSession], ComplaintStates]  # the store bound to a transaction
_CLOCK_EVENTS = (s.ClockStarted, s.ClockStopped)


def folds(event_type: type[Event]) -> bool:
    """Whether events of this type can change a complaint's lifecycle state."""
    return event_type.NAME.startswith("complaint.") or issubclass(event_type, _CLOCK_EVENTS)


# Every event type of the catalogue the fold listens to (complaint.*, routing, clock start/stop).
FOLDED: tuple[type[Event], ...] = tuple(cls for cls in CATALOGUE.values() if folds(cls))


def fold(state: ComplaintState, envelope: Envelope, event: Event) -> ComplaintState:
    """The state after one event of the log, at the event's time."""
    return apply(state, event, envelope.time, event_id=envelope.id)


def folding(states: StatesOf) -> Handler:
    """The handler that folds an event into its complaint's stored state."""

    async def fold_event(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        store = states(session)
        state = await store.load_for_update(envelope.subject)
        after = fold(state, envelope, event)
        if after != state:
            await store.save(envelope.subject, after)

    return fold_event


def with_lifecycle_fold(
    handlers: Mapping[type[Event], Handler], states: StatesOf
) -> dict[type[Event], Handler]:
    """`handlers`, each of a folded type wrapped to fold after it (the handler sees the state
    before the event), plus the fold alone for the folded types without a handler of their
    own."""
    fold_event = folding(states)
    combined: dict[type[Event], Handler] = dict(handlers)
    for event_type in FOLDED:
        own = handlers.get(event_type)
        combined[event_type] = fold_event if own is None else _both(own, fold_event)
    return combined


def _both(first: Handler, then: Handler) -> Handler:
    async def handle(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        await first(session, envelope, event)
        await then(session, envelope, event)

    return handle
