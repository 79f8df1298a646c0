"""Every event that can change a complaint's lifecycle, folded into its shared state.

The state (`complaints_shared.workflow.lifecycle`) tells who is involved and whether the case
is restricted: what every read path decides visibility on (docs/workflow.md). The fold runs in
the same transaction as the clock handler of the same event.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.contracts.registry import CATALOGUE
from complaints_shared.messaging.consumer import Handler
from complaints_shared.workflow.lifecycle import ComplaintState, apply

from ..adapters import complaint_states

_CLOCK_EVENTS = (s.ClockStarted, s.ClockStopped)


def folds(event_type: type[Event]) -> bool:
    """Whether events of this type can change a complaint's lifecycle state."""
    return event_type.NAME.startswith("complaint.") or issubclass(event_type, _CLOCK_EVENTS)


# Every event type of the catalogue the fold listens to (complaint.*, routing, clock start/stop).
FOLDED: tuple[type[Event], ...] = tuple(cls for cls in CATALOGUE.values() if folds(cls))


def fold(state: ComplaintState, envelope: Envelope, event: Event) -> ComplaintState:
    """The state after one event of the log, at the event's time."""
    return apply(state, event, envelope.time)


async def fold_event(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    state = await complaint_states.load_for_update(session, envelope.subject)
    after = fold(state, envelope, event)
    if after != state:
        await complaint_states.save(session, envelope.subject, after)


def with_lifecycle_fold(handlers: Mapping[type[Event], Handler]) -> dict[type[Event], Handler]:
    """`handlers`, each of a folded type wrapped to fold first, plus the fold alone for the
    folded types without a handler of their own."""
    combined: dict[type[Event], Handler] = dict(handlers)
    for event_type in FOLDED:
        own = handlers.get(event_type)
        combined[event_type] = fold_event if own is None else _both(own)
    return combined


def _both(own: Handler) -> Handler:
    async def handle(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        await fold_event(session, envelope, event)
        await own(session, envelope, event)

    return handle
