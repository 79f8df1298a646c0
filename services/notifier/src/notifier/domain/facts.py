"""What the notifier remembers of a complaint (never the customer's plain data).

The complaint itself is the shared lifecycle state (`complaints_shared.workflow.lifecycle`,
docs/workflow.md), folded from every event that changes who is involved: the same owner,
involved units and restriction every other service derives from the log. Beside it, only what
alerts need: whether it is a media case, the masked customer, whether a hand-off already told
the new owner, and the last breach of each clock (whom it told, when it was due, when the clock
stopped), so an escalation tells nobody twice and schedules its steps from the due time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from complaints_shared.contracts.base import Event
from complaints_shared.workflow import lifecycle
from complaints_shared.workflow.lifecycle import ComplaintState
from complaints_shared.workflow.visibility import Involvement


@dataclass(frozen=True)
class Breach:
    """The last breach of one clock."""

    owner: str
    due_at: datetime
    owner_told: bool = False  # the breach alert went (or is scheduled) to the owner
    stopped_at: datetime | None = None  # the clock stopped: later steps are moot


@dataclass(frozen=True)
class ComplaintFacts:
    state: ComplaintState = field(default_factory=ComplaintState)
    media: bool = False
    handoff_told: str | None = None  # a new owner already told by `complaint.transferred`
    customer: str = ""  # masked name and phone, as alerts show them
    breaches: dict[str, Breach] = field(default_factory=dict)  # clock -> its last breach

    @property
    def receiving_unit(self) -> str | None:
        return self.state.receiving_unit

    @property
    def restricted(self) -> bool:
        return self.state.restricted

    def observe(self, event: Event, at: datetime, event_id: str | None = None) -> ComplaintFacts:
        """The facts after `event` (event time `at`, id `event_id`: an extension request is
        known by the id of its event), folded with the shared lifecycle."""
        state = lifecycle.apply(self.state, event, at, event_id=event_id)
        return self if state == self.state else replace(self, state=state)

    def involvement(self, *also: str) -> Involvement:
        """Who is involved, for `may_see`, with units an event itself shows involved: the owner
        of a clock a timer event names is involved by definition, even when the notifier has
        not seen that clock start."""
        involved = self.state.involvement.involved | set(also)
        return Involvement(frozenset(involved), self.state.restricted)

    def breach_of(self, clock: str) -> Breach | None:
        return self.breaches.get(clock)

    def with_breach(self, clock: str, breach: Breach) -> ComplaintFacts:
        return replace(self, breaches={**self.breaches, clock: breach})

    def clock_stopped(self, clock: str, at: datetime) -> ComplaintFacts:
        breach = self.breaches.get(clock)
        if breach is None or breach.stopped_at is not None:
            return self
        return self.with_breach(clock, replace(breach, stopped_at=at))
