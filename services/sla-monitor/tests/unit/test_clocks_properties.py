"""Properties of the clock fold over random event sequences (hypothesis).

Events fall on whole minutes, in time order; timer ticks fall on half minutes between them,
so a tick never shares an instant with an event. Units "a" and "b" use the demo calendar
(Shanghai, midday break, cn holidays: Qingming is April 4-6); "c" works 08:00-16:00 in
Berlin, across the switch to summer time on March 29.
"""

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints_shared.organisation import CalendarSpec
from sla_monitor.domain.calendars import build_calendar
from sla_monitor.domain.clocks import (
    CLOCK_ORDER,
    Acceptance,
    Arrival,
    Assignment,
    ClockBreach,
    ClockPause,
    ClockPolicy,
    ClockReschedule,
    ClockResumption,
    ClockStart,
    ClockStop,
    ClockWarning,
    Closing,
    ComplaintClocks,
    CustomerReply,
    CustomerWait,
    DeadlinePromise,
    ExtensionDecision,
    ExtensionRequest,
    Reopening,
    Resolution,
    ReturnVisit,
    TimerTick,
    Transfer,
    decide,
    fire_timers,
    fold,
    from_json,
    remaining_at,
    to_json,
)
from sla_monitor.domain.working_time import Calendar

DEMO = build_calendar(
    CalendarSpec(hours=("09:00-12:00", "13:30-17:30"), official="cn"), "Asia/Shanghai"
)
BERLIN = Calendar("Europe/Berlin", frozenset(range(5)), ((time(8), time(16)),))
CALENDARS = {"a": DEMO, "b": DEMO, "c": BERLIN}
UNITS = tuple(CALENDARS)
LEVELS = ("branch", "province", "supervision", "hq")
BASE = datetime(2026, 3, 25, 0, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
ZERO = timedelta(0)
POLICIES = st.sampled_from(
    [ClockPolicy(), ClockPolicy(pausable=frozenset(CLOCK_ORDER), warn_fractions=(0.5, 0.75))]
)
FAST = settings(max_examples=75, deadline=None)
ACTIONS = (
    "received",
    "assigned",
    "transferred",
    "accepted",
    "waiting",
    "responded",
    "committed",
    "requested",
    "decided",
    "resolved",
    "reopened",
    "visited",
    "closed",
    "tick",
)


def step(actions: st.SearchStrategy[str]) -> st.SearchStrategy[tuple]:
    return st.tuples(
        actions,
        st.one_of(st.just(0), st.integers(1, 180), st.integers(180, 4 * 24 * 60)),  # gap, min
        st.sampled_from(UNITS),
        st.sampled_from(LEVELS),
        st.booleans(),  # by the owner (accepted, transferred) / an inquiry (received) / on
        # the last request (decided)
        st.integers(-120, 5 * 24 * 60),  # committed deadline or until after the action, min
    )


STEP = step(st.sampled_from(ACTIONS))
# Assigned first, then extension requests and decisions five times as often as the rest.
EXTENSION_STEP = step(st.sampled_from(ACTIONS + ("requested", "decided") * 4))
OPENING = [("received", 0, "a", "branch", False, 0), ("assigned", 0, "a", "branch", False, 0)]


def calendars(unit: str) -> Calendar:
    return CALENDARS[unit]


def build(steps) -> list:
    """Inputs from drawn steps, in time order; ticks half a minute off the event grid."""
    now, owner, events, request = BASE, "a", [], "x-none"
    for action, gap, unit, level, flag, ahead in steps:
        if action == "tick":
            now = now + gap * MINUTE + MINUTE / 2
            events.append(TimerTick(now))
            continue
        now = _ceil_minute(now) + gap * MINUTE
        actor = owner if flag else unit
        if action == "received":
            # Some are major cases or sampled (by their id): resolutions start return visits.
            kind = "inquiry" if flag else "complaint"
            events.append(
                Arrival(kind, unit, now, f"C-{ahead}", major=ahead % 3 == 0, visit_owner=unit)
            )
        elif action == "assigned":
            events.append(Assignment(unit, level, now, owner))
            owner = unit
        elif action == "transferred":
            events.append(Transfer(actor, unit, now))
        elif action == "accepted":
            events.append(Acceptance(actor, now))
        elif action == "committed":
            events.append(DeadlinePromise(now + ahead * MINUTE, now))
        elif action == "requested":
            request = f"x{len(events)}"
            events.append(ExtensionRequest(request, actor, now + ahead * MINUTE, now))
        elif action == "decided":
            # Approved three times in four; by the last request's id, or an unknown one.
            rid = request if flag else "x-unknown"
            events.append(ExtensionDecision(rid, ahead % 4 != 0, now))
        else:
            kind = {
                "waiting": CustomerWait,
                "responded": CustomerReply,
                "resolved": Resolution,
                "reopened": Reopening,
                "visited": ReturnVisit,
                "closed": Closing,
            }[action]
            events.append(kind(now))
    return events


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + MINUTE


SEQUENCES = st.one_of(
    st.lists(STEP, min_size=1, max_size=25).map(build),
    st.lists(EXTENSION_STEP, min_size=1, max_size=25).map(lambda drawn: build(OPENING + drawn)),
)


def steps(events, policy, state=None):
    """(input, state after, effects) for each input."""
    state = state or ComplaintClocks()
    for event in events:
        state, effects = decide(state, event, policy, calendars)
        yield event, state, effects


@FAST
@given(SEQUENCES, POLICIES)
def test_the_fold_is_deterministic_and_its_state_survives_json(events, policy):
    assert fold(events, policy, calendars) == fold(events, policy, calendars)
    for _, state, _ in steps(events, policy):
        assert from_json(to_json(state)) == state


@FAST
@given(SEQUENCES, POLICIES)
def test_a_replay_without_ticks_emits_what_the_live_run_did(events, policy):
    end = TimerTick(events[-1].time + timedelta(days=3))
    live = fold([*events, end], policy, calendars)
    replay = fold([*(e for e in events if not isinstance(e, TimerTick)), end], policy, calendars)
    assert replay == live


@FAST
@given(SEQUENCES, POLICIES)
def test_every_effect_is_dated_by_its_event_or_the_instant_it_marks(events, policy):
    announced: dict[tuple[str, int], datetime] = {}  # the due time each run last announced
    for event, _, effects in steps(events, policy):
        for effect in effects:
            key = (effect.clock, effect.run)
            if isinstance(effect, ClockWarning | ClockBreach):
                # A timer: its own instant, never later than the input that fired it, and
                # strictly before any input but a tick.
                assert effect.time <= event.time
                assert isinstance(event, TimerTick) or effect.time < event.time
                assert effect.due_at == announced[key]
                if isinstance(effect, ClockWarning):
                    assert effect.at <= effect.due_at
            else:
                assert effect.time == event.time
            if isinstance(effect, ClockStart | ClockResumption):
                assert effect.due_at >= effect.time
                announced[key] = effect.due_at
            if isinstance(effect, ClockReschedule):
                assert effect.clock == "resolve" and effect.due_at > effect.previous_due_at
                assert isinstance(event, ExtensionDecision) and event.approved
                announced[key] = effect.due_at


@FAST
@given(SEQUENCES, POLICIES)
def test_a_clock_is_never_in_two_states(events, policy):
    status: dict[str, str] = {}  # what the effects say each clock is doing
    runs: dict[str, int] = {}
    allowed = {
        ClockStart: ({"none", "met", "cancelled"}, "running"),
        ClockPause: ({"running"}, "paused"),
        ClockResumption: ({"paused"}, "running"),
        ClockWarning: ({"running"}, "running"),
        ClockBreach: ({"running"}, "running"),
    }
    for _, state, effects in steps(events, policy):
        for effect in effects:
            before = status.get(effect.clock, "none")
            if isinstance(effect, ClockStop):
                assert before in ("running", "paused")
                status[effect.clock] = effect.outcome
                continue
            if isinstance(effect, ClockReschedule):
                assert before in ("running", "paused")  # and stays so
                assert effect.run == runs[effect.clock]
                continue
            sources, after = allowed[type(effect)]
            assert before in sources, (effect, before)
            status[effect.clock] = after
            if isinstance(effect, ClockStart):
                assert effect.run == runs.get(effect.clock, 0) + 1
                runs[effect.clock] = effect.run
            else:
                assert effect.run == runs[effect.clock]
        assert {name: clock.status for name, clock in state.clocks.items()} == status


@FAST
@given(SEQUENCES, POLICIES)
def test_remaining_time_is_never_negative(events, policy):
    for event, state, effects in steps(events, policy):
        for clock in state.clocks.values():
            assert ZERO <= clock.used <= clock.budget
            assert ZERO <= remaining_at(clock, event.time, calendars) <= clock.budget
            assert all(timer.remaining >= ZERO for timer in clock.pending)
        for effect in effects:
            assert getattr(effect, "remaining_seconds", 0) >= 0


@FAST
@given(SEQUENCES, POLICIES, st.integers(0, 3 * 24 * 60))
def test_pausing_then_resuming_at_once_leaves_the_due_time_unchanged(events, policy, later):
    state, _ = fold(events, policy, calendars)
    moment = _ceil_minute(events[-1].time) + later * MINUTE
    before, _ = fire_timers(state, moment, strictly_before=True)
    after, _ = fold([CustomerWait(moment), CustomerReply(moment)], policy, calendars, state)
    for name, clock in before.clocks.items():
        if clock.status != "running":
            continue
        again = after.clocks[name]
        assert (again.status, again.due_at, again.pending) == (
            clock.status,
            clock.due_at,
            clock.pending,
        )


@FAST
@given(SEQUENCES, POLICIES)
def test_every_stop_has_a_due_time_and_a_margin_of_the_right_sign(events, policy):
    for _, _, effects in steps(events, policy):
        for stop in (e for e in effects if isinstance(e, ClockStop)):
            assert stop.due_at is not None and stop.margin_seconds is not None
            if stop.at < stop.due_at:
                assert stop.margin_seconds >= 0
            else:
                assert stop.margin_seconds <= 0
            if stop.late:
                assert stop.margin_seconds <= 0


@FAST
@given(SEQUENCES, POLICIES)
def test_a_return_visit_runs_only_between_a_resolution_and_the_next_visit_reopen_or_close(
    events, policy
):
    for event, state, effects in steps(events, policy):
        for effect in effects:
            if effect.clock != "return_visit" or isinstance(effect, ClockWarning | ClockBreach):
                continue
            if isinstance(effect, ClockStart):
                assert isinstance(event, Resolution)
                assert effect.owner == state.visit_owner
            elif isinstance(effect, ClockStop):
                assert isinstance(event, ReturnVisit | Reopening | Closing)
                assert effect.outcome == ("met" if isinstance(event, ReturnVisit) else "cancelled")
