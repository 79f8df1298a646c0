"""Table tests for deadline extensions (docs/domain.md#deadline-extensions): an approved
`complaint.extension_decided` moves the requesting owner's `resolve` clock to the `until` of
its request.

Demo calendar: 09:00-12:00 and 13:30-17:30 (7 h a day), Asia/Shanghai, cn holidays. A branch
`resolve` clock assigned Monday 16 March 2026 09:00 has 7 h: 75% at 15:45, 1 h left at 16:30,
due at 17:30. Times in the cases are Shanghai wall times.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints_shared.organisation import CalendarSpec
from sla_monitor.domain.calendars import build_calendar
from sla_monitor.domain.clocks import (
    Acceptance,
    Assignment,
    ClockBreach,
    ClockPolicy,
    ClockReschedule,
    ClockStop,
    ClockWarning,
    Closing,
    ComplaintClocks,
    CustomerReply,
    CustomerWait,
    ExtensionDecision,
    ExtensionRequest,
    Reopening,
    RequestedExtension,
    Resolution,
    TimerTick,
    Transfer,
    decide,
    fold,
    from_json,
    next_timer,
    projected_due,
    to_json,
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
    weekday, rest = text.split(" ", 1)
    naive = datetime.fromisoformat(rest)
    assert f"{naive:%a}" == weekday, f"{rest} is a {naive:%a}, not a {weekday}"
    return naive.replace(tzinfo=SH)


MON = at("Mon 2026-03-16 09:00")
DUE = at("Mon 2026-03-16 17:30")
WED_NOON = at("Wed 2026-03-18 12:00")


def resolve_only(owner: str = "b1") -> ComplaintClocks:
    """A branch `resolve` clock from Monday 09:00, the 24x7 clocks met at once."""
    state, _ = fold([Assignment(owner, "branch", MON), Acceptance(owner, MON)], POLICY, calendars)
    return state


def ask(until: str, when: str = "Mon 2026-03-16 10:00", rid: str = "x1") -> ExtensionRequest:
    return ExtensionRequest(rid, "b1", at(until), at(when))


def decided(when: str, approved: bool = True, rid: str = "x1") -> ExtensionDecision:
    return ExtensionDecision(rid, approved, at(when))


def run(*events, state=None):
    return fold(list(events), POLICY, calendars, state if state is not None else resolve_only())


def timers(effects):
    return [
        (e.point, e.at, e.due_at) if isinstance(e, ClockWarning) else ("breach", e.due_at)
        for e in effects
        if isinstance(e, ClockWarning | ClockBreach)
    ]


def test_an_approval_moves_the_resolve_due_time_to_until_and_announces_it():
    state, effects = run(ask("Wed 2026-03-18 12:00"), decided("Mon 2026-03-16 11:00"))
    assert effects == [
        ClockReschedule(
            "resolve",
            1,
            "b1",
            at("Mon 2026-03-16 11:00"),
            WED_NOON,
            DUE,
            "deadline extension x1 approved",
            "x1",
        )
    ]
    resolve = state.clock("resolve")
    assert (resolve.due_at, resolve.original_due_at, resolve.extensions) == (WED_NOON, DUE, 1)
    # Tuesday's 7 h and Wednesday morning's 3 h are added to the 7 h budget.
    assert resolve.budget == 17 * H
    assert state.extension_requests == ()


def test_the_request_is_remembered_by_its_id_until_decided():
    state, effects = run(ask("Wed 2026-03-18 12:00"))
    assert effects == []
    assert state.extension_requests == (RequestedExtension("x1", WED_NOON, "b1"),)
    assert state.clock("resolve").due_at == DUE
    again, _ = run(ask("Wed 2026-03-18 12:00"), state=state)  # delivered twice
    assert again == state


@pytest.mark.parametrize(
    ("decision", "why"),
    [
        (decided("Mon 2026-03-16 11:00", approved=False), "refused"),
        (decided("Mon 2026-03-16 11:00", rid="nope"), "unknown request id"),
    ],
)
def test_a_refusal_or_an_unknown_request_changes_no_clock(decision, why):
    requested, _ = run(ask("Wed 2026-03-18 12:00"))
    state, effects = run(decision, state=requested)
    assert effects == [], why
    resolve = state.clock("resolve")
    assert (resolve.due_at, resolve.original_due_at, resolve.extensions) == (DUE, None, 0), why
    assert resolve == requested.clock("resolve"), why


def test_a_refused_request_is_closed_a_later_approval_of_it_is_ignored():
    state, effects = run(
        ask("Wed 2026-03-18 12:00"),
        decided("Mon 2026-03-16 11:00", approved=False),
        decided("Mon 2026-03-16 11:30"),
    )
    assert effects == [] and state.extension_requests == ()
    assert state.clock("resolve").due_at == DUE


def test_an_until_before_the_due_time_keeps_the_later_due_time_but_counts():
    state, effects = run(ask("Mon 2026-03-16 15:00"), decided("Mon 2026-03-16 11:00"))
    assert effects == []  # nothing moved: nothing to announce
    resolve = state.clock("resolve")
    assert (resolve.due_at, resolve.original_due_at, resolve.extensions) == (DUE, DUE, 1)
    assert resolve.budget == 7 * H and resolve.extended_until is None


def test_warnings_not_yet_fired_move_with_the_new_due_time():
    state, _ = run(ask("Wed 2026-03-18 12:00"), decided("Mon 2026-03-16 11:00"))
    # 75% of 17 h is 12 h 45 min: Monday's 7 h, then 5 h 45 min on Tuesday.
    assert next_timer(state) == at("Tue 2026-03-17 16:15")
    _, effects = run(TimerTick(at("Wed 2026-03-18 12:00")), state=state)
    assert timers(effects) == [
        ("75%", at("Tue 2026-03-17 16:15"), WED_NOON),
        ("1h", at("Wed 2026-03-18 11:00"), WED_NOON),
        ("breach", WED_NOON),
    ]


def test_a_warning_already_fired_does_not_fire_again():
    state, effects = run(
        TimerTick(at("Mon 2026-03-16 16:00")),  # 75% fired at 15:45
        ask("Wed 2026-03-18 12:00", when="Mon 2026-03-16 16:05"),
        decided("Mon 2026-03-16 16:10"),
        TimerTick(at("Wed 2026-03-18 12:00")),
    )
    assert timers(effects) == [
        ("75%", at("Mon 2026-03-16 15:45"), DUE),
        ("1h", at("Wed 2026-03-18 11:00"), WED_NOON),
        ("breach", WED_NOON),
    ]
    assert state.clock("resolve").fired == ("75%", "1h")


def test_a_breach_already_fired_stays_fired_and_does_not_fire_again():
    state, effects = run(
        ask("Wed 2026-03-18 12:00"),
        decided("Tue 2026-03-17 10:00"),  # fires Monday's warnings and breach first
    )
    assert [type(e).__name__ for e in effects] == [
        "ClockWarning",
        "ClockWarning",
        "ClockBreach",
        "ClockReschedule",
    ]
    (moved,) = [e for e in effects if isinstance(e, ClockReschedule)]
    assert (moved.previous_due_at, moved.due_at) == (DUE, WED_NOON)
    resolve = state.clock("resolve")
    assert resolve.breached and resolve.due_at == WED_NOON  # Monday's breach stands
    assert next_timer(state) is None  # nothing left to fire in this run
    _, later = run(TimerTick(at("Thu 2026-03-19 12:00")), state=state)
    assert later == []
    # Met before the extended deadline: not late against it, with 3 working hours to spare.
    _, met = run(Resolution(at("Wed 2026-03-18 09:00")), state=state)
    (stop,) = [e for e in met if isinstance(e, ClockStop) and e.clock == "resolve"]
    assert (stop.late, stop.due_at, stop.margin_seconds) == (False, WED_NOON, 3 * 3600)


def test_a_second_extension_counts_and_keeps_the_first_original_due_time():
    thu = at("Thu 2026-03-19 17:30")
    state, effects = run(
        ask("Wed 2026-03-18 12:00"),
        decided("Mon 2026-03-16 11:00"),
        ask("Thu 2026-03-19 17:30", when="Tue 2026-03-17 10:00", rid="x2"),
        decided("Tue 2026-03-17 11:00", rid="x2"),
    )
    assert [(e.previous_due_at, e.due_at, e.key) for e in effects] == [
        (DUE, WED_NOON, "x1"),
        (WED_NOON, thu, "x2"),
    ]
    resolve = state.clock("resolve")
    assert (resolve.due_at, resolve.original_due_at, resolve.extensions) == (thu, DUE, 2)


@pytest.mark.parametrize(
    "handoff",
    [
        [
            Transfer("b1", "b2", at("Mon 2026-03-16 10:30")),
            Assignment("b2", "branch", at("Mon 2026-03-16 10:30"), "b1"),
        ],
        [Assignment("b2", "branch", at("Mon 2026-03-16 10:30"), "b1")],
    ],
    ids=["transferred", "reassigned"],
)
def test_a_handoff_cancels_the_pending_request(handoff):
    state, effects = run(ask("Wed 2026-03-18 12:00"), *handoff, decided("Mon 2026-03-16 11:00"))
    assert not [e for e in effects if isinstance(e, ClockReschedule)]
    resolve = state.clock("resolve")
    assert (resolve.owner, resolve.run, resolve.extensions) == ("b2", 2, 0)
    # b2's own budget from 10:30: Monday's 5.5 h and 1.5 h on Tuesday.
    assert resolve.due_at == at("Tue 2026-03-17 10:30")
    assert state.extension_requests == ()


def test_the_reply_cancels_the_pending_request():
    state, effects = run(
        ask("Wed 2026-03-18 12:00"),
        Resolution(at("Mon 2026-03-16 11:00")),
        Reopening(at("Mon 2026-03-16 11:30")),
        decided("Mon 2026-03-16 12:00"),
    )
    assert not [e for e in effects if isinstance(e, ClockReschedule)]
    assert state.clock("resolve").extensions == 0


def test_a_paused_clock_gets_the_working_time_up_to_until():
    state, effects = run(
        CustomerWait(at("Mon 2026-03-16 10:00")),  # 6 h left
        ask("Wed 2026-03-18 12:00", when="Mon 2026-03-16 10:30"),
        decided("Mon 2026-03-16 11:00"),
    )
    (moved,) = [e for e in effects if isinstance(e, ClockReschedule)]
    # Resumed at 11:00 it was due Tuesday 10:00; resumed then, it would now be due at until.
    assert (moved.previous_due_at, moved.due_at) == (at("Tue 2026-03-17 10:00"), WED_NOON)
    resolve = state.clock("resolve")
    assert resolve.status == "paused" and resolve.original_due_at == at("Tue 2026-03-17 10:00")
    # Resumed Tuesday 09:00, 5 more working hours waited: due Thursday 10:00.
    resumed, _ = run(CustomerReply(at("Tue 2026-03-17 09:00")), state=state)
    assert resumed.clock("resolve").due_at == at("Thu 2026-03-19 10:00")


def test_an_until_outside_working_time_is_the_deadline_itself():
    evening = at("Mon 2026-03-16 20:00")
    state, effects = run(ask("Mon 2026-03-16 20:00"), decided("Mon 2026-03-16 11:00"))
    assert [(e.previous_due_at, e.due_at) for e in effects] == [(DUE, evening)]
    resolve = state.clock("resolve")
    assert resolve.due_at == evening and resolve.budget == 7 * H  # no working time added
    # Pausing and resuming at once leaves it there; a reply at 19:00 is in time.
    again, _ = run(
        CustomerWait(at("Mon 2026-03-16 14:00")),
        CustomerReply(at("Mon 2026-03-16 14:00")),
        state=state,
    )
    assert again.clock("resolve").due_at == evening
    _, stopped = run(Resolution(at("Mon 2026-03-16 19:00")), state=state)
    (stop,) = [e for e in stopped if isinstance(e, ClockStop) and e.clock == "resolve"]
    assert (stop.late, stop.due_at, stop.margin_seconds) == (False, evening, 0)
    assert [e for e in stopped if isinstance(e, ClockBreach)] == []


def test_a_decision_once_closed_changes_nothing():
    state, effects = run(
        ask("Wed 2026-03-18 12:00"),
        Closing(at("Mon 2026-03-16 10:30")),
        decided("Mon 2026-03-16 11:00"),
    )
    assert not [e for e in effects if isinstance(e, ClockReschedule)]
    assert state.extension_requests == ()


def test_the_extended_state_survives_json_and_shows_its_projected_due():
    state, _ = run(
        ask("Wed 2026-03-18 12:00"),
        decided("Mon 2026-03-16 11:00"),
        ask("Thu 2026-03-19 12:00", rid="x2"),
    )
    assert from_json(to_json(state)) == state
    assert to_json(state)["extension_requests"] == [
        {"request_id": "x2", "until": "2026-03-19T04:00:00+00:00", "owner": "b1"}
    ]
    assert projected_due(state.clock("resolve"), MON, calendars) == WED_NOON


def test_a_naive_until_is_refused():
    with pytest.raises(ValueError, match="naive"):
        decide(
            resolve_only(),
            ExtensionRequest("x1", "b1", datetime(2026, 3, 18, 12), at("Mon 2026-03-16 10:00")),
            POLICY,
            calendars,
        )
