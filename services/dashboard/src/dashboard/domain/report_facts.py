"""What the monthly reports count, taken from each event as the dashboard folds it (pure).

`facts_of(before, after, event, event_id, at)` looks at one event together with the complaint
before and after the dashboard's fold (`fold.apply`) and says which report figures it feeds,
each *attributed* to a unit and a handler at that moment (docs/reports.md):

- `received`: the complaint was received (its receiving unit; its category and whether the
  customer complained before);
- `taken`: a handler signed for it or took it over (the owner and that handler);
- `classified`: classified valid or special (the owner and its handler then);
- `clock`: a clock run's outcome, once per run: `late` at its breach (`sla.breached` names the
  owner and the handler at that moment), or `on_time`/`late` when met without a breach before;
- `sample`: a measured duration ended (time to start or to resolve; its unit, the handler then);
- `visit`: a return visit made (the complaint's owner and handler: whose handling it judges);
- `visit_due`: a return visit fell due (counted at its due time), and `visit_outcome`, its clock
  met in time or late (both attributed like `visit`).

A fact counts in the month its `at` (business time) falls in, so a month's figures never move
when later events arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event

from .model import Complaint

VISIT_CLOCK = "return_visit"
KINDS = (
    "received",
    "taken",
    "classified",
    "clock",
    "sample",
    "visit",
    "visit_due",
    "visit_outcome",
)


@dataclass(frozen=True)
class Fact:
    complaint_id: str
    event_id: str
    seq: int  # its place among the facts of the same event
    kind: str  # one of KINDS
    at: datetime  # the business time it counts by
    unit: str  # the unit it is attributed to
    handler_id: str | None = None
    handler_name: str | None = None
    name: str | None = None  # the clock (`clock`, `visit_outcome`) or measure (`sample`)
    outcome: str | None = None  # on_time | late (clocks); valid | special (`classified`)
    breach: bool = False  # a `clock` fact from a breach
    seconds: int | None = None  # `sample`
    category: str | None = None  # `received`
    repeat: bool = False  # `received`: the customer complained in the 12 months before
    satisfaction: int | None = None  # `visit`
    reached: bool | None = None  # `visit`
    customer_asks: str | None = None  # `visit`


def facts_of(
    before: Complaint, after: Complaint, event: Event, event_id: str, at: datetime
) -> list[Fact]:
    """The facts one event adds (none for most events)."""
    base = Fact(after.complaint_id, event_id, 0, "", at, _owner(after) or "")
    handler = after.state.handler
    if handler is not None:
        base = replace(base, handler_id=handler.id, handler_name=handler.name)
    found: list[Fact] = []
    if isinstance(event, c.ComplaintReceived):
        found.append(
            replace(
                base,
                kind="received",
                at=event.received_at,
                unit=event.receiving_unit,
                handler_id=None,
                handler_name=None,
                category=event.category,
                repeat=event.prior_complaints >= 1,
            )
        )
    elif isinstance(event, c.ComplaintAccepted | c.HandlerChanged):
        if handler is not None and handler != before.state.handler:
            found.append(replace(base, kind="taken"))
    elif isinstance(event, c.Classified):
        found.append(replace(base, kind="classified", outcome=event.classification))
    elif isinstance(event, c.ReturnVisitRecorded):
        found.append(
            replace(
                base,
                kind="visit",
                satisfaction=event.satisfaction if event.reached else None,
                reached=event.reached,
                customer_asks=event.customer_asks or None,
            )
        )
    found += _clock_facts(before, base, event)
    found += _sample_facts(before, after, base)
    return [replace(f, seq=n) for n, f in enumerate(found) if f.unit]


def _owner(complaint: Complaint) -> str | None:
    return complaint.owner_unit or complaint.receiving_unit


def _clock_facts(before: Complaint, base: Fact, event: Event) -> list[Fact]:
    """A run's outcome once: its breach, or its meeting when it had not breached before."""
    if not isinstance(event, s.ClockStarted | s.SlaBreached | s.ClockStopped):
        return []
    if isinstance(event, s.ClockStarted):
        if event.clock != VISIT_CLOCK:
            return []
        return [replace(base, kind="visit_due", at=event.due_at, name=event.clock)]
    run = before.latest_run(event.clock)
    if run is not None and (run.breached or run.late):
        return []  # decided already, at its breach
    if isinstance(event, s.SlaBreached):
        outcome, breach = "late", True
    elif event.outcome == "met":
        outcome, breach = ("late" if event.late else "on_time"), False
    else:
        return []  # cancelled: no outcome
    named = event.handler
    found = [
        replace(
            base,
            kind="clock",
            unit=event.owner_unit,
            handler_id=named.id if named else None,
            handler_name=named.name if named else None,
            name=event.clock,
            outcome=outcome,
            breach=breach,
        )
    ]
    if event.clock == VISIT_CLOCK:
        found.append(replace(base, kind="visit_outcome", name=event.clock, outcome=outcome))
    return found


def _sample_facts(before: Complaint, after: Complaint, base: Fact) -> list[Fact]:
    """The durations the event ended (a sign-for, a reply)."""
    known = {(x.measure, x.unit) for x in before.samples}
    return [
        replace(base, kind="sample", at=x.at, unit=x.unit, name=x.measure, seconds=x.seconds)
        for x in after.samples
        if (x.measure, x.unit) not in known
    ]
