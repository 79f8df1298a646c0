"""Table tests for the clock rules: which event starts, pauses, resumes, meets or cancels what.

The demo calendar: 09:00-12:00 and 13:30-17:30 (7 h a day), Asia/Shanghai, cn holidays and
make-up days. Times in the cases are Shanghai wall times; effects come back in UTC.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints_shared.organisation import CalendarSpec
from sla_monitor.domain.calendars import build_calendar
from sla_monitor.domain.clocks import (
    Acceptance,
    Arrival,
    Assignment,
    ClockBreach,
    ClockPause,
    ClockPolicy,
    ClockResumption,
    ClockStart,
    ClockStop,
    ClockWarning,
    Closing,
    ComplaintClocks,
    CustomerReply,
    CustomerWait,
    DeadlinePromise,
    Reopening,
    Resolution,
    TimerTick,
    Transfer,
    decide,
    fold,
    projected_due,
    remaining_at,
)

SH = ZoneInfo("Asia/Shanghai")
DEMO = build_calendar(
    CalendarSpec(hours=("09:00-12:00", "13:30-17:30"), official="cn"), "Asia/Shanghai"
)
POLICY = ClockPolicy()
H = timedelta(hours=1)


def calendars(unit: str):
    return DEMO


def at(text: str) -> datetime:
    """ "Fri 2026-03-13 16:00" in Shanghai; the weekday is checked so the cases read true."""
    weekday, rest = text.split(" ", 1)
    naive = datetime.fromisoformat(rest)
    assert f"{naive:%a}" == weekday, f"{rest} is a {naive:%a}, not a {weekday}"
    return naive.replace(tzinfo=SH)


def run(*events, policy=POLICY, state=None):
    return fold(list(events), policy, calendars, state)


# What each effect tells, as the `sla.*` events name it.
HAPPENED = {
    ClockStart: "Started",
    ClockPause: "Paused",
    ClockResumption: "Resumed",
    ClockStop: "Stopped",
    ClockWarning: "Warned",
    ClockBreach: "Breached",
}


def brief(effects, *clocks):
    """(effect, clock[, outcome]) of each effect, for the named clocks (all if none named)."""
    out = []
    for e in effects:
        if clocks and e.clock not in clocks:
            continue
        row = (HAPPENED[type(e)], e.clock)
        out.append((*row, e.outcome) if isinstance(e, ClockStop) else row)
    return out


def started(effects, clock) -> ClockStart:
    (found,) = [e for e in effects if isinstance(e, ClockStart) and e.clock == clock]
    return found


FRI = at("Fri 2026-03-13 16:00")


def test_receipt_starts_customer_on_the_receiving_units_calendar():
    state, effects = run(Arrival("complaint", "hotline", FRI))
    assert brief(effects) == [("Started", "customer")]
    customer = started(effects, "customer")
    # 5 working days of 7 h: Fri 1.5 h, Mon-Thu 28 h, Fri 5.5 h.
    assert customer.due_at == at("Fri 2026-03-20 16:00")
    assert (customer.owner, customer.calendar, customer.budget_seconds) == (
        "hotline",
        "hotline",
        35 * 3600,
    )
    assert state.clock("customer").status == "running"


def test_an_inquiry_also_gets_30_minutes_round_the_clock_to_reply():
    _, effects = run(Arrival("inquiry", "hotline", at("Sat 2026-03-14 23:50")))
    assert brief(effects) == [("Started", "inquiry_reply"), ("Started", "customer")]
    reply = started(effects, "inquiry_reply")
    assert reply.due_at == at("Sun 2026-03-15 00:20")
    assert reply.calendar == "24x7"


@pytest.mark.parametrize(
    ("assigned_at", "level", "resolve_due"),
    [
        ("Fri 2026-03-13 16:00", "branch", "Mon 2026-03-16 16:00"),
        ("Fri 2026-03-13 16:00", "province", "Tue 2026-03-17 16:00"),
        ("Fri 2026-03-13 16:00", "supervision", "Wed 2026-03-18 16:00"),
        ("Fri 2026-03-13 16:00", "hq", "Wed 2026-03-18 16:00"),
        # Friday evening: the clock starts Monday 09:00 (docs/domain.md#working-days).
        ("Fri 2026-03-13 20:00", "branch", "Mon 2026-03-16 17:30"),
        # Before the May holidays (May 1-5): 1.5 h on Thursday, 5.5 h on Wednesday May 6.
        ("Thu 2026-04-30 16:00", "branch", "Wed 2026-05-06 16:00"),
        # On the make-up Saturday May 9, during the midday break: 4 h Saturday, 3 h Monday.
        ("Sat 2026-05-09 12:30", "branch", "Mon 2026-05-11 12:00"),
    ],
)
def test_assignment_starts_transfer_start_and_resolve(assigned_at, level, resolve_due):
    moment = at(assigned_at)
    _, effects = run(Assignment("b1", level, moment))
    assert brief(effects) == [
        ("Started", "transfer"),
        ("Started", "start"),
        ("Started", "resolve"),
    ]
    assert started(effects, "transfer").due_at == moment + H
    assert started(effects, "start").due_at == moment + 2 * H
    resolve = started(effects, "resolve")
    assert resolve.due_at == at(resolve_due)
    assert (resolve.owner, resolve.handling_level, resolve.calendar) == ("b1", level, "b1")


def test_acceptance_by_the_owner_meets_start_and_transfer_but_not_resolve():
    state, _ = run(Arrival("complaint", "hotline", FRI), Assignment("b1", "branch", FRI))
    state, effects = decide(state, Acceptance("other", FRI + H / 2), POLICY, calendars)
    assert effects == []
    state, effects = decide(state, Acceptance("b1", FRI + H / 2), POLICY, calendars)
    assert brief(effects) == [("Stopped", "transfer", "met"), ("Stopped", "start", "met")]
    assert state.clock("resolve").status == "running"


def test_a_transfer_meets_the_old_owners_transfer_clock_and_the_assignment_starts_the_new():
    state, _ = run(Arrival("complaint", "hotline", FRI), Assignment("b1", "branch", FRI))
    moment = FRI + H / 2
    state, effects = run(
        Transfer("b1", "p1", moment), Assignment("p1", "province", moment, "b1"), state=state
    )
    assert brief(effects) == [
        ("Stopped", "transfer", "met"),
        ("Stopped", "start", "cancelled"),
        ("Stopped", "resolve", "cancelled"),
        ("Started", "transfer"),
        ("Started", "start"),
        ("Started", "resolve"),
    ]
    assert {e.run for e in effects if isinstance(e, ClockStart)} == {2}
    assert {e.owner for e in effects if isinstance(e, ClockStart)} == {"p1"}
    assert started(effects, "resolve").due_at == at("Tue 2026-03-17 16:30")
    # No hand-off resets the end-to-end clock.
    assert state.clock("customer").run == 1 and state.clock("customer").status == "running"


def test_a_reassignment_without_transfer_cancels_every_clock_of_the_old_owner():
    state, _ = run(Assignment("b1", "branch", FRI), DeadlinePromise(FRI + 9 * H, FRI))
    _, effects = run(Assignment("p1", "province", FRI + H / 2, "b1"), state=state)
    assert brief(effects)[:4] == [
        ("Stopped", "transfer", "cancelled"),
        ("Stopped", "start", "cancelled"),
        ("Stopped", "resolve", "cancelled"),
        ("Stopped", "committed", "cancelled"),
    ]


def test_a_transfer_from_someone_else_changes_nothing():
    state, _ = run(Assignment("b1", "branch", FRI))
    assert decide(state, Transfer("x", "p1", FRI + H / 2), POLICY, calendars) == (state, [])


def test_the_same_event_delivered_twice_changes_nothing():
    state, _ = run(Arrival("complaint", "hotline", FRI), Assignment("b1", "branch", FRI))
    for event in (Arrival("complaint", "hotline", FRI), Assignment("b1", "branch", FRI)):
        assert decide(state, event, POLICY, calendars) == (state, [])


@pytest.mark.parametrize(
    ("assigned_at", "paused", "resumed", "remaining", "due"),
    [
        # Across the weekend: 1 h used on Friday, 6 h left from Monday 09:00.
        ("Fri 2026-03-13 16:00", "Fri 2026-03-13 17:00", "Sat 2026-03-14 10:00", 6 * H,
         "Mon 2026-03-16 16:30"),
        # Paused in the morning, resumed in the midday break: counting restarts at 13:30.
        ("Mon 2026-03-16 09:00", "Mon 2026-03-16 11:00", "Mon 2026-03-16 12:45", 5 * H,
         "Tue 2026-03-17 10:00"),
        # Paused and resumed inside the break: nothing lost, the due time stands.
        ("Mon 2026-03-16 09:00", "Mon 2026-03-16 12:10", "Mon 2026-03-16 13:00", 4 * H,
         "Mon 2026-03-16 17:30"),
        # Resumed at once: the due time stands.
        ("Mon 2026-03-16 09:00", "Mon 2026-03-16 10:17", "Mon 2026-03-16 10:17",
         timedelta(hours=5, minutes=43), "Mon 2026-03-16 17:30"),
        # Across the May holidays and onto the make-up Saturday.
        ("Thu 2026-04-30 16:00", "Thu 2026-04-30 17:00", "Sat 2026-05-02 09:00", 6 * H,
         "Wed 2026-05-06 16:30"),
        ("Fri 2026-05-08 16:00", "Fri 2026-05-08 17:00", "Fri 2026-05-08 20:00", 6 * H,
         "Sat 2026-05-09 16:30"),
    ],
)  # fmt: skip
def test_pause_and_resume_keep_the_remaining_working_time_exactly(
    assigned_at, paused, resumed, remaining, due
):
    state, _ = run(Assignment("b1", "branch", at(assigned_at)))
    state, effects = decide(state, CustomerWait(at(paused)), POLICY, calendars)
    (pause,) = [e for e in effects if isinstance(e, ClockPause)]
    assert (pause.clock, pause.remaining_seconds) == ("resolve", remaining.total_seconds())
    clock = state.clock("resolve")
    assert clock.status == "paused" and clock.due_at is None
    # While paused, the clock shows what is left and the due time a resume would give.
    assert remaining_at(clock, at(resumed) + 5 * H, calendars) == remaining
    assert projected_due(clock, at(resumed), calendars) == at(due)
    state, effects = decide(state, CustomerReply(at(resumed)), POLICY, calendars)
    (resume,) = [e for e in effects if isinstance(e, ClockResumption)]
    assert resume.due_at == at(due)
    assert state.clock("resolve").due_at == at(due)


def test_the_committed_deadline_does_not_pause_and_is_replaced_by_a_new_promise():
    monday = at("Mon 2026-03-16 10:00")
    state, effects = run(
        Assignment("b1", "branch", monday),
        DeadlinePromise(at("Wed 2026-03-18 12:00"), monday + H),
        CustomerWait(monday + 2 * H),
    )
    committed = started(effects, "committed")
    assert (committed.due_at, committed.budget_seconds, committed.calendar) == (
        at("Wed 2026-03-18 12:00"),
        49 * 3600,
        "24x7",
    )
    assert state.clock("committed").status == "running"
    state, effects = run(DeadlinePromise(at("Thu 2026-03-19 12:00"), monday + 3 * H), state=state)
    assert brief(effects, "committed") == [
        ("Stopped", "committed", "cancelled"),
        ("Started", "committed"),
    ]
    assert started(effects, "committed").run == 2
    state, effects = run(Resolution(monday + 4 * H), state=state)
    assert ("Stopped", "committed", "met") in brief(effects)


def test_a_committed_deadline_already_past_is_due_at_once():
    monday = at("Mon 2026-03-16 10:00")
    state, effects = run(Assignment("b1", "branch", monday), DeadlinePromise(monday - H, monday))
    assert started(effects, "committed").due_at == monday
    _, effects = run(TimerTick(monday), state=state)
    assert brief(effects) == [("Breached", "committed")]


def test_resolution_meets_every_clock_including_a_paused_one():
    state, _ = run(
        Arrival("inquiry", "hotline", FRI),
        Assignment("b1", "branch", FRI),
        CustomerWait(FRI + H / 4),
    )
    state, effects = decide(state, Resolution(FRI + H / 3), POLICY, calendars)
    assert brief(effects) == [
        ("Stopped", "transfer", "met"),
        ("Stopped", "start", "met"),
        ("Stopped", "resolve", "met"),
        ("Stopped", "inquiry_reply", "met"),
        ("Stopped", "customer", "met"),
    ]
    assert not any(e.late for e in effects)
    assert all(not clock.active for clock in state.clocks.values())


def test_a_reply_after_the_due_time_breaches_first_then_is_met_late():
    received = at("Mon 2026-03-16 10:00")
    _, effects = run(Arrival("inquiry", "hotline", received), Resolution(received + H))
    assert brief(effects, "inquiry_reply") == [
        ("Started", "inquiry_reply"),
        ("Warned", "inquiry_reply"),
        ("Breached", "inquiry_reply"),
        ("Stopped", "inquiry_reply", "met"),
    ]
    assert effects[-2].late is True  # inquiry_reply, stopped before customer


def test_a_reply_exactly_at_the_due_time_is_in_time():
    received = at("Mon 2026-03-16 10:00")
    _, effects = run(Arrival("inquiry", "hotline", received), Resolution(received + H / 2))
    stop = [e for e in effects if isinstance(e, ClockStop) and e.clock == "inquiry_reply"]
    assert stop[0].late is False
    assert ("Breached", "inquiry_reply") not in brief(effects)


def test_an_inquirys_reply_clock_survives_the_assignment():
    received = at("Mon 2026-03-16 10:00")
    state, effects = run(
        Arrival("inquiry", "hotline", received), Assignment("b1", "branch", received)
    )
    assert state.clock("inquiry_reply").status == "running"
    assert ("Stopped", "inquiry_reply", "cancelled") not in brief(effects)


def test_reopening_restarts_resolve_with_a_fresh_budget_but_not_customer():
    state, _ = run(
        Arrival("complaint", "hotline", FRI),
        Assignment("b1", "branch", FRI),
        Resolution(at("Mon 2026-03-16 10:00")),
    )
    reopened = at("Tue 2026-03-17 15:00")
    state, effects = decide(state, Reopening(reopened), POLICY, calendars)
    assert brief(effects) == [("Started", "resolve")]
    resolve = started(effects, "resolve")
    assert (resolve.run, resolve.due_at) == (2, at("Wed 2026-03-18 15:00"))
    assert state.clock("customer").status == "met"


def test_closing_cancels_what_still_runs_and_ignores_what_follows_until_a_reopen():
    state, _ = run(
        Arrival("complaint", "hotline", FRI),
        Assignment("b1", "branch", FRI),
        Acceptance("b1", FRI + H / 4),
        CustomerWait(FRI + H / 2),
    )
    state, effects = decide(state, Closing(FRI + H), POLICY, calendars)
    assert brief(effects) == [
        ("Stopped", "resolve", "cancelled"),
        ("Stopped", "customer", "cancelled"),
    ]
    assert decide(state, Assignment("b2", "branch", FRI + 2 * H), POLICY, calendars) == (state, [])
    state, effects = decide(state, Reopening(at("Mon 2026-03-16 09:00")), POLICY, calendars)
    assert brief(effects) == [("Started", "resolve")]
    assert not state.closed


def test_a_breached_clock_is_not_paused():
    monday = at("Mon 2026-03-16 09:00")
    state, effects = run(
        Assignment("b1", "branch", monday), CustomerWait(at("Tue 2026-03-17 09:30"))
    )
    assert ("Breached", "resolve") in brief(effects)
    assert not any(isinstance(e, ClockPause) for e in effects)
    assert state.clock("resolve").status == "running"


def test_an_unknown_handling_level_is_refused_before_anything_changes():
    with pytest.raises(ValueError, match="handling level 'galaxy'"):
        decide(ComplaintClocks(), Assignment("b1", "galaxy", FRI), POLICY, calendars)


def test_budgets_are_configurable_per_clock_and_per_level():
    policy = ClockPolicy(
        resolve_days={"branch": 2, "province": 4},
        start=3 * H,
        level_overrides={"province": {"transfer": 4 * H}},
        customer_days=1,
    )
    _, effects = run(
        Arrival("complaint", "hotline", FRI), Assignment("b1", "province", FRI), policy=policy
    )
    assert started(effects, "customer").due_at == at("Mon 2026-03-16 16:00")
    assert started(effects, "transfer").due_at == FRI + 4 * H
    assert started(effects, "start").due_at == FRI + 3 * H
    assert started(effects, "resolve").due_at == at("Thu 2026-03-19 16:00")


def test_the_adapters_policy_calls_still_work():
    policy = ClockPolicy(resolve_days={"branch": 1, "province": 2, "supervision": 3, "hq": 3})
    assert policy.resolve_days["province"] == 2
    assert policy.resolve_due(DEMO, FRI, "branch") == at("Mon 2026-03-16 16:00")


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        decide(ComplaintClocks(), Resolution(datetime(2026, 3, 16, 10)), POLICY, calendars)
    with pytest.raises(ValueError, match="naive"):
        decide(ComplaintClocks(), DeadlinePromise(datetime(2026, 3, 18), FRI), POLICY, calendars)
