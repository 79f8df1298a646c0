"""The clock rules of docs/domain.md#clocks-and-calendars as a pure fold:
`decide(state, input) -> (state, effects)`.

No I/O and no wall clock: every time comes from an input, so folding the same inputs always
gives the same states and effects. The rules (one function each in `clock_rules`):

- `received` starts `customer` (end to end, on the receiving unit's calendar, owned by the
  receiving unit; no hand-off resets it) and, for an inquiry, `inquiry_reply` (30 min, 24x7,
  complaint-wide like `customer`: assignments do not reset it).
- `assigned` cancels the previous owner's clocks (`transfer`, `start`, `investigate`,
  `resolve`, `committed`) and starts the new owner's `transfer` (1 h), `start` (2 h),
  `investigate` (24 h, 24x7) for a complaint of a line in `INVESTIGATED_LINES` (`logistics`),
  and `resolve` (working days by handling level, on the owner's calendar). Like `start`,
  `investigate` restarts on every assignment: a new owner gets a fresh 24 h to investigate
  and decide its own plan, even if an earlier owner had decided one. The same assignment
  delivered twice (same owner, level and time) changes nothing.
- `transferred` from the owner meets its `transfer` clock and cancels its other clocks; the
  `assigned` that routing appends with it starts the new owner's.
- `accepted` by the owner meets `start` and `transfer` (it will handle it, not hand it on).
- `waiting_on_customer` pauses the policy's pausable clocks (`resolve` by default; not
  `committed`, a date promised to the customer), unless already breached;
  `customer_responded` resumes them with exactly the working time that was left.
- `deadline_committed` starts `committed` (24x7) up to the promised instant, cancelling an
  earlier promise; a deadline already past is due at once.
- `plan_decided` meets `investigate` (`late` if it had breached); with `promised_by` it also
  starts `committed` up to that instant, exactly as `deadline_committed` does.
- `resolved` meets every running or paused clock but `return_visit` and `investigate` (`late`
  if it had breached), cancels a still running `investigate` (a reply is not the plan: a
  breach already fired stays), then starts `return_visit` (working days on its owner's
  calendar) if the complaint gets one: a major case, a key customer, a repeat complainant, a
  complaint reopened before, or one in the sample of the rest (`return_visits`). Its owner is
  the supervision line of the province where the complaint was received (HQ's
  quality-service group for one received at HQ), resolved from the organisation by the
  service layer.
- `extension_requested` is remembered by its event id (the request id) with the `until` it
  asks for and the owner asking; `extension_decided` approved for a pending request moves
  that owner's running or paused `resolve` clock to `until`, only ever later (an earlier
  `until` leaves the due time), announcing the move; the clock counts its approved extensions
  and keeps the due time it had before the first. Warning points not yet fired move with the
  due time; one already fired, and a breach already fired, stay fired. A refusal, an unknown
  or already decided request, changes nothing. A hand-off (`transferred` from the owner, or
  `assigned` to another owner), `resolved` and `closed` cancel pending requests.
- `return_visit_recorded` meets `return_visit`.
- `reopened` cancels a running `return_visit` (a new one starts at the next resolution) and
  restarts `resolve` with a fresh budget from the reopen time; `customer` measures receipt to
  the first reply and is not restarted.
- `closed` cancels whatever still runs; later inputs other than `reopened` are ignored.

Every stop carries the due time the clock had and the margin to it in working time on the
clock's own calendar (positive when early, negative when late).

Before applying an event, `decide` fires the warnings and breaches due strictly before the
event's time (at the instants they mark), so a replay without timer ticks emits what the live
run did, and a reply exactly at the due time is in time.

Every warning, breach and stop `decide` returns names the `handler` it is given: the member
of staff holding the complaint up to that moment, which the caller takes from the shared
lifecycle fold as it stood before the event (the fold itself does not track people).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

from complaints_shared.workflow.lifecycle import Handler

from .clock_effects import (
    ATTRIBUTED,
    CLOCK_ORDER,
    ROUND_THE_CLOCK,
    ClockBreach,
    ClockEffect,
    ClockName,
    ClockPause,
    ClockReschedule,
    ClockResumption,
    ClockStart,
    ClockStop,
    ClockWarning,
)
from .clock_inputs import (
    Acceptance,
    Arrival,
    Assignment,
    ClockInput,
    Closing,
    CustomerReply,
    CustomerWait,
    DeadlinePromise,
    ExtensionDecision,
    ExtensionRequest,
    PlanDecision,
    Reopening,
    Resolution,
    ReturnVisit,
    TimerTick,
    Transfer,
)
from .clock_rules import INVESTIGATED_LINES, OWNER_CLOCKS, RULES, return_visit_grounds
from .clock_state import (
    Calendars,
    Clock,
    ComplaintClocks,
    RequestedExtension,
    from_json,
    projected_due,
    remaining_at,
    to_json,
)
from .clock_timers import fire_timers, next_timer
from .policy import ClockPolicy

__all__ = [
    "CLOCK_ORDER",
    "OWNER_CLOCKS",
    "ROUND_THE_CLOCK",
    "Acceptance",
    "Arrival",
    "Assignment",
    "Calendars",
    "Clock",
    "ClockBreach",
    "ClockEffect",
    "ClockInput",
    "ClockName",
    "ClockPause",
    "ClockPolicy",
    "ClockReschedule",
    "ClockResumption",
    "ClockStart",
    "ClockStop",
    "ClockWarning",
    "Closing",
    "ComplaintClocks",
    "CustomerReply",
    "CustomerWait",
    "DeadlinePromise",
    "ExtensionDecision",
    "ExtensionRequest",
    "Handler",
    "INVESTIGATED_LINES",
    "PlanDecision",
    "Reopening",
    "RequestedExtension",
    "Resolution",
    "ReturnVisit",
    "TimerTick",
    "Transfer",
    "decide",
    "fire_timers",
    "fold",
    "from_json",
    "next_timer",
    "projected_due",
    "remaining_at",
    "return_visit_grounds",
    "to_json",
]


def decide(
    state: ComplaintClocks,
    event: ClockInput,
    policy: ClockPolicy,
    calendars: Calendars,
    *,
    handler: Handler | None = None,
) -> tuple[ComplaintClocks, list[ClockEffect]]:
    """Apply one input to one complaint's clocks; the effects come in the order they happen.

    A `TimerTick` fires what is due at or before its instant; any other event first fires
    what was due strictly before its time, then applies its rule. Each warning, breach and
    stop is attributed to `handler` (who held the complaint up to this input).
    """
    moments = (
        event.time,
        *(getattr(event, f, event.time) for f in ("committed_deadline", "until", "promised_by")),
    )
    for moment in moments:
        if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
            raise ValueError(f"{type(event).__name__} has a naive time {moment.isoformat()}")
    at = event.time.astimezone(UTC)
    if isinstance(event, TimerTick):
        state, effects = fire_timers(state, at)
        return state, _attributed(effects, handler)
    state, effects = fire_timers(state, at, strictly_before=True)
    if state.closed and not isinstance(event, Reopening):
        return state, _attributed(effects, handler)
    state, more = RULES[type(event)](state, event, at, policy, calendars)
    return state, _attributed(effects + more, handler)


def _attributed(effects: list[ClockEffect], handler: Handler | None) -> list[ClockEffect]:
    """`effects`, each warning, breach and stop naming `handler`."""
    if handler is None:
        return effects
    return [replace(e, handler=handler) if isinstance(e, ATTRIBUTED) else e for e in effects]


def fold(
    events: list[ClockInput] | tuple[ClockInput, ...],
    policy: ClockPolicy,
    calendars: Calendars,
    state: ComplaintClocks | None = None,
) -> tuple[ComplaintClocks, list[ClockEffect]]:
    """`decide` over `events` in order, from `state` (default: nothing yet); all effects."""
    state = state if state is not None else ComplaintClocks()
    effects: list[ClockEffect] = []
    for event in events:
        state, more = decide(state, event, policy, calendars)
        effects.extend(more)
    return state, effects
