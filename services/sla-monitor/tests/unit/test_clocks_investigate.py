"""Table tests for the `investigate` clock of a `logistics` complaint, plans that promise a date,
and the handler each warning, breach and stop is attributed to (docs/domain.md#clocks).

The demo calendar (09:00-12:00 and 13:30-17:30, Asia/Shanghai, cn); `investigate` and
`committed` count round the clock. Times in the cases are Shanghai wall times.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints_shared.organisation import CalendarSpec
from complaints_shared.workflow.lifecycle import Handler
from sla_monitor.config import SlaSettings
from sla_monitor.domain.calendars import build_calendar
from sla_monitor.domain.clocks import (
    INVESTIGATED_LINES,
    OWNER_CLOCKS,
    Acceptance,
    Arrival,
    Assignment,
    ClockBreach,
    ClockPolicy,
    ClockStart,
    ClockStop,
    ClockWarning,
    Closing,
    CustomerWait,
    DeadlinePromise,
    PlanDecision,
    Reopening,
    Resolution,
    TimerTick,
    Transfer,
    decide,
    fold,
)

SH = ZoneInfo("Asia/Shanghai")
DEMO = build_calendar(
    CalendarSpec(hours=("09:00-12:00", "13:30-17:30"), official="cn"), "Asia/Shanghai"
)
POLICY = ClockPolicy()
H = timedelta(hours=1)
MON = datetime(2026, 3, 16, 10, 0, tzinfo=SH)  # Monday 10:00
A = Handler("u-a", "Alice")
B = Handler("u-b", "Bo")


def calendars(unit: str):
    return DEMO


def run(*events, policy=POLICY, state=None):
    return fold(list(events), policy, calendars, state)


def logistics(at: datetime = MON, owner: str = "b1", level: str = "branch"):
    """A logistics complaint received and assigned at `at`."""
    return run(
        Arrival("complaint", "r1", at, business_line="logistics"), Assignment(owner, level, at)
    )


def of(effects, clock: str) -> list:
    return [e for e in effects if e.clock == clock]


def kinds(effects, clock: str) -> list[str]:
    names = {ClockStart: "started", ClockWarning: "warned", ClockBreach: "breached"}
    out = []
    for e in of(effects, clock):
        out.append(
            f"{e.outcome}{' late' if e.late else ''}"
            if isinstance(e, ClockStop)
            else names[type(e)]
        )
    return out


# -- which complaints get it, and when ----------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "gets_it"),
    [
        pytest.param("logistics", True, id="logistics: the delivery units investigate"),
        pytest.param("cards", False, id="another line: no investigate clock"),
        pytest.param(None, False, id="no line known: none"),
    ],
)
def test_assignment_starts_investigate_for_logistics_only(line, gets_it):
    state, effects = run(
        Arrival("complaint", "r1", MON, business_line=line), Assignment("b1", "branch", MON)
    )
    started = [e.clock for e in effects if isinstance(e, ClockStart)]
    if not gets_it:
        assert "investigate" not in started and state.clock("investigate") is None
        return
    assert started == ["customer", "transfer", "start", "investigate", "resolve"]
    (clock,) = of(effects, "investigate")
    assert (clock.owner, clock.calendar, clock.budget_seconds) == ("b1", "24x7", 24 * 3600)
    assert clock.due_at == MON + 24 * H  # round the clock: Tuesday 10:00
    assert clock.handling_level == "branch"
    assert state.clock("investigate").status == "running"


def test_logistics_is_the_investigated_line_and_investigate_an_owner_clock():
    assert INVESTIGATED_LINES == frozenset({"logistics"})
    assert "investigate" in OWNER_CLOCKS


def test_the_budget_is_configurable_and_per_level_overridable():
    eight_hours = SlaSettings(investigate_minutes=480).policy()
    _, effects = run(
        Arrival("complaint", "r1", MON, business_line="logistics"),
        Assignment("b1", "branch", MON),
        policy=eight_hours,
    )
    assert of(effects, "investigate")[0].due_at == MON + 8 * H
    province = ClockPolicy(level_overrides={"province": {"investigate": 48 * H}})
    _, effects = run(
        Arrival("complaint", "r1", MON, business_line="logistics"),
        Assignment("p1", "province", MON),
        policy=province,
    )
    assert of(effects, "investigate")[0].due_at == MON + 48 * H
    assert SlaSettings().policy().investigate == 24 * H


# -- met by the plan -----------------------------------------------------------------------------
def test_a_plan_meets_it_in_time_with_the_margin_left():
    state, _ = logistics()
    state, effects = decide(state, PlanDecision(MON + 20 * H), POLICY, calendars)
    assert kinds(effects, "investigate") == ["warned", "met"]  # 75% at 18 h, then the plan
    stop = of(effects, "investigate")[-1]
    assert (stop.clock, stop.outcome, stop.late) == ("investigate", "met", False)
    assert stop.margin_seconds == 4 * 3600 and stop.due_at == MON + 24 * H
    assert state.clock("investigate").status == "met"
    assert state.clock("committed") is None  # no date promised: nothing committed


def test_a_plan_exactly_at_the_due_time_is_in_time():
    state, _ = logistics()
    _, effects = decide(state, PlanDecision(MON + 24 * H), POLICY, calendars)
    assert kinds(effects, "investigate") == ["warned", "warned", "met"]  # 75%, 1h; in time


def test_a_plan_that_promises_a_date_also_starts_committed_due_then():
    state, _ = logistics()
    promised = datetime(2026, 3, 20, 18, 0, tzinfo=SH)
    state, effects = decide(state, PlanDecision(MON + 2 * H, promised), POLICY, calendars)
    effects = [e for e in effects if e.clock in ("investigate", "committed")]
    assert [(type(e).__name__, e.clock) for e in effects] == [
        ("ClockStop", "investigate"),
        ("ClockStart", "committed"),
    ]
    committed = effects[1]
    assert (committed.owner, committed.calendar, committed.due_at) == ("b1", "24x7", promised)
    # A later promise (either kind) replaces it, as deadline_committed does.
    later = promised + 24 * H
    state, effects = decide(state, DeadlinePromise(later, MON + 3 * H), POLICY, calendars)
    assert kinds(effects, "committed") == ["cancelled", "started"]
    state, effects = decide(state, PlanDecision(MON + 4 * H, promised), POLICY, calendars)
    assert kinds(effects, "committed") == ["cancelled", "started"]
    assert state.clock("committed").run == 3 and state.clock("committed").due_at == promised
    assert of(effects, "investigate") == []  # met already: a second plan meets nothing


def test_a_plan_promising_a_date_on_a_complaint_of_another_line_starts_committed_only():
    state, _ = run(
        Arrival("complaint", "r1", MON, business_line="cards"), Assignment("b1", "branch", MON)
    )
    promised = MON + 30 * H
    _, effects = decide(state, PlanDecision(MON + H, promised), POLICY, calendars)
    assert [(type(e).__name__, e.clock) for e in effects if not isinstance(e, ClockWarning)] == [
        ("ClockStart", "committed")
    ]


def test_a_promised_date_already_past_is_due_at_once():
    state, _ = logistics()
    state, effects = decide(state, PlanDecision(MON + 2 * H, MON + H), POLICY, calendars)
    assert of(effects, "committed")[0].due_at == MON + 2 * H


def test_a_naive_promised_date_is_refused():
    state, _ = logistics()
    with pytest.raises(ValueError, match="naive"):
        decide(state, PlanDecision(MON, datetime(2026, 3, 20, 18, 0)), POLICY, calendars)


# -- left alone ----------------------------------------------------------------------------------
def test_left_alone_it_warns_at_75_percent_and_an_hour_before_and_breaches_at_24_hours():
    state, _ = logistics()
    state, effects = decide(state, TimerTick(MON + 24 * H), POLICY, calendars)
    fired = [
        (type(e).__name__, getattr(e, "point", None), e.time - MON)
        for e in of(effects, "investigate")
    ]
    assert fired == [
        ("ClockWarning", "75%", 18 * H),
        ("ClockWarning", "1h", 23 * H),
        ("ClockBreach", None, 24 * H),
    ]
    assert state.clock("investigate").breached
    # Still running: a late plan meets it late.
    _, effects = decide(state, PlanDecision(MON + 30 * H), POLICY, calendars)
    (stop,) = of(effects, "investigate")
    assert (stop.outcome, stop.late, stop.margin_seconds) == ("met", True, -6 * 3600)


def test_waiting_on_the_customer_does_not_pause_it():
    state, _ = logistics()
    state, effects = decide(state, CustomerWait(MON + H), POLICY, calendars)
    assert of(effects, "investigate") == []
    assert state.clock("investigate").status == "running"


# -- hand-off, resolution, closing, reopening ------------------------------------------------------
def test_a_hand_off_cancels_it_and_the_new_owner_gets_a_fresh_24_hours():
    state, _ = logistics()
    handed = MON + 5 * H
    state, effects = run(
        Transfer("b1", "b2", handed), Assignment("b2", "branch", handed, "b1"), state=state
    )
    assert kinds(effects, "investigate") == ["cancelled", "started"]
    clock = state.clock("investigate")
    assert (clock.owner, clock.run, clock.due_at) == ("b2", 2, handed + 24 * H)


def test_a_new_owner_investigates_again_even_after_the_previous_owners_plan():
    state, _ = logistics()
    state, _ = decide(state, PlanDecision(MON + H), POLICY, calendars)
    handed = MON + 5 * H
    state, effects = run(
        Transfer("b1", "b2", handed), Assignment("b2", "branch", handed, "b1"), state=state
    )
    assert kinds(effects, "investigate") == ["started"]  # the met run stays met
    assert state.clock("investigate").owner == "b2" and state.clock("investigate").run == 2


def test_resolution_cancels_it_while_it_meets_the_other_clocks():
    state, _ = logistics()
    state, _ = decide(state, Acceptance("b1", MON + H), POLICY, calendars)
    state, effects = decide(state, Resolution(MON + 3 * H), POLICY, calendars)
    assert kinds(effects, "investigate") == ["cancelled"]
    assert kinds(effects, "resolve") == ["met"]
    assert state.clock("investigate").status == "cancelled"


def test_a_breached_investigation_cancelled_by_the_reply_stays_breached():
    state, _ = logistics()
    state, _ = decide(state, TimerTick(MON + 25 * H), POLICY, calendars)
    state, effects = decide(state, Resolution(MON + 26 * H), POLICY, calendars)
    (stop,) = of(effects, "investigate")
    assert (stop.outcome, stop.late) == ("cancelled", False)
    assert state.clock("investigate").breached


def test_after_the_plan_the_reply_leaves_it_met_and_reopening_does_not_restart_it():
    state, _ = logistics()
    state, _ = decide(state, PlanDecision(MON + H), POLICY, calendars)
    state, effects = run(Resolution(MON + 2 * H), Reopening(MON + 3 * H), state=state)
    assert of(effects, "investigate") == []
    assert state.clock("investigate").status == "met"


def test_closing_cancels_it():
    state, _ = logistics()
    _, effects = decide(state, Closing(MON + 2 * H), POLICY, calendars)
    assert kinds(effects, "investigate") == ["cancelled"]


# -- attribution ---------------------------------------------------------------------------------
def test_warnings_breaches_and_stops_name_the_handler_given_starts_do_not():
    state, _ = logistics()
    state, effects = decide(state, TimerTick(MON + 24 * H), POLICY, calendars, handler=A)
    assert effects and all(e.handler == A for e in effects)
    state, effects = decide(
        state, PlanDecision(MON + 25 * H, MON + 48 * H), POLICY, calendars, handler=B
    )
    stop, start = effects
    assert isinstance(stop, ClockStop) and stop.handler == B
    assert isinstance(start, ClockStart) and not hasattr(start, "handler")


def test_without_a_handler_nothing_is_attributed():
    state, _ = logistics()
    _, effects = decide(state, TimerTick(MON + 24 * H), POLICY, calendars)
    assert effects and all(e.handler is None for e in effects)
