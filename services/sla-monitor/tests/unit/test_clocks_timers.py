"""Warnings, breaches, the next timer, determinism of replays, and the JSON the adapter stores.

Demo calendar: 09:00-12:00 and 13:30-17:30, Asia/Shanghai, cn holidays. A branch `resolve`
clock assigned Monday 09:00 has 7 h: 75% used at 15:45, 1 working hour left at 16:30, due
at 17:30.
"""

import json
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
    ClockPolicy,
    ClockWarning,
    ComplaintClocks,
    CustomerReply,
    CustomerWait,
    DeadlinePromise,
    Resolution,
    TimerTick,
    Transfer,
    decide,
    fire_timers,
    fold,
    from_json,
    next_timer,
    to_json,
)

SH = ZoneInfo("Asia/Shanghai")
DEMO = build_calendar(
    CalendarSpec(hours=("09:00-12:00", "13:30-17:30"), official="cn"), "Asia/Shanghai"
)
POLICY = ClockPolicy()
H = timedelta(hours=1)
MICRO = timedelta(microseconds=1)


def calendars(unit: str):
    return DEMO


def at(text: str) -> datetime:
    weekday, rest = text.split(" ", 1)
    naive = datetime.fromisoformat(rest)
    assert f"{naive:%a}" == weekday, f"{rest} is a {naive:%a}, not a {weekday}"
    return naive.replace(tzinfo=SH)


def timers(effects):
    """(kind, clock, point, instant) of the warnings and breaches among `effects`."""
    return [
        ("warned", e.clock, e.point, e.at)
        if isinstance(e, ClockWarning)
        else ("breached", e.clock, None, e.due_at)
        for e in effects
        if isinstance(e, ClockWarning | ClockBreach)
    ]


MON = at("Mon 2026-03-16 09:00")


def resolve_only() -> ComplaintClocks:
    """A branch `resolve` clock from Monday 09:00, the 24x7 clocks met at once."""
    state, _ = fold([Assignment("b1", "branch", MON), Acceptance("b1", MON)], POLICY, calendars)
    return state


def test_warnings_at_75_percent_and_one_working_hour_before_due_each_fire_once():
    state = resolve_only()
    assert next_timer(state) == at("Mon 2026-03-16 15:45")
    steps = [
        (at("Mon 2026-03-16 15:45") - MICRO, [], at("Mon 2026-03-16 15:45")),
        (
            at("Mon 2026-03-16 15:45"),
            [("warned", "resolve", "75%", at("Mon 2026-03-16 15:45"))],
            at("Mon 2026-03-16 16:30"),
        ),
        (at("Mon 2026-03-16 15:45"), [], at("Mon 2026-03-16 16:30")),
        (
            at("Mon 2026-03-16 18:00"),
            [
                ("warned", "resolve", "1h", at("Mon 2026-03-16 16:30")),
                ("breached", "resolve", None, at("Mon 2026-03-16 17:30")),
            ],
            None,
        ),
        (at("Tue 2026-03-17 09:00"), [], None),
    ]
    for now, expected, following in steps:
        state, effects = decide(state, TimerTick(now), POLICY, calendars)
        assert timers(effects) == expected, now
        assert next_timer(state) == following, now
    assert state.clock("resolve").breached and state.clock("resolve").status == "running"


def test_warning_effects_carry_what_was_left_and_the_due_time():
    _, effects = fire_timers(resolve_only(), at("Mon 2026-03-16 17:00"))
    assert [(e.point, e.remaining_seconds, e.due_at) for e in effects] == [
        ("75%", 6300, at("Mon 2026-03-16 17:30")),
        ("1h", 3600, at("Mon 2026-03-16 17:30")),
    ]
    assert {e.owner for e in effects} == {"b1"}


def test_breach_fires_at_the_due_instant_not_before_and_is_dated_by_it():
    state = resolve_only()
    due = at("Mon 2026-03-16 17:30")
    state, effects = fire_timers(state, due - MICRO)
    assert [e for e in effects if isinstance(e, ClockBreach)] == []
    _, at_due = fire_timers(state, due)
    _, much_later = fire_timers(state, at("Fri 2026-03-20 12:00"))
    assert at_due == much_later == [ClockBreach("resolve", 1, "b1", due)]


def test_a_pause_pushes_back_the_warnings_and_a_fired_point_does_not_fire_again():
    events = [
        CustomerWait(at("Mon 2026-03-16 15:00")),  # 4.5 h used
        CustomerReply(at("Tue 2026-03-17 09:00")),
        CustomerWait(at("Tue 2026-03-17 10:00")),  # 75% fired at 09:45; 5.5 h used
        CustomerReply(at("Tue 2026-03-17 14:00")),
        TimerTick(at("Tue 2026-03-17 16:00")),
    ]
    state, effects = fold(events, POLICY, calendars, resolve_only())
    assert timers(effects) == [
        ("warned", "resolve", "75%", at("Tue 2026-03-17 09:45")),
        ("warned", "resolve", "1h", at("Tue 2026-03-17 14:30")),
        ("breached", "resolve", None, at("Tue 2026-03-17 15:30")),
    ]
    assert state.clock("resolve").fired == ("75%", "1h")


def test_the_24x7_clocks_warn_in_real_time_and_skip_points_before_their_start():
    # transfer (1 h): 75% only, "1h before due" would be its start; start (2 h): both points.
    state, _ = fold([Assignment("b1", "branch", MON)], POLICY, calendars)
    _, effects = fire_timers(state, MON + 2 * H)
    assert timers(effects) == [
        ("warned", "transfer", "75%", MON + 45 * timedelta(minutes=1)),
        # Instants tie: clocks in their fixed order (transfer, start, resolve, ...).
        ("breached", "transfer", None, MON + H),
        ("warned", "start", "1h", MON + H),
        ("warned", "start", "75%", MON + 1.5 * H),
        ("breached", "start", None, MON + 2 * H),
    ]


def test_warning_points_are_configurable():
    policy = ClockPolicy(warn_fractions=(0.5, 0.9), warn_before_due=(2 * H, 1.5 * H))
    assert policy.warning_points(2 * H) == (
        ("1h30m", 0.5 * H),
        ("50%", H),
        ("90%", 1.8 * H),
    )
    with pytest.raises(ValueError):
        ClockPolicy(warn_fractions=(1.5,))


def test_next_timer_skips_paused_and_stopped_clocks():
    assert next_timer(ComplaintClocks()) is None
    state = resolve_only()
    state, _ = decide(state, CustomerWait(MON + H), POLICY, calendars)
    assert next_timer(state) is None
    state, _ = decide(state, CustomerReply(MON + 2 * H), POLICY, calendars)
    assert next_timer(state) == at("Mon 2026-03-16 16:45")
    state, _ = decide(state, Resolution(MON + 3 * H), POLICY, calendars)
    assert next_timer(state) is None


STORY = [
    Arrival("complaint", "hotline", at("Fri 2026-04-24 16:20")),
    Assignment("b1", "branch", at("Fri 2026-04-24 16:20")),
    TimerTick(at("Fri 2026-04-24 18:00")),
    Transfer("b1", "p1", at("Mon 2026-04-27 09:10")),
    Assignment("p1", "province", at("Mon 2026-04-27 09:10"), "b1"),
    Acceptance("p1", at("Mon 2026-04-27 10:00")),
    CustomerWait(at("Mon 2026-04-27 15:00")),
    DeadlinePromise(at("Thu 2026-04-30 12:00"), at("Tue 2026-04-28 11:00")),
    TimerTick(at("Tue 2026-04-28 12:30")),
    CustomerReply(at("Wed 2026-04-29 11:00")),
    TimerTick(at("Thu 2026-05-07 09:00")),
]


def test_replaying_the_same_events_gives_identical_states_and_effects():
    first = fold(STORY, POLICY, calendars)
    second = fold(STORY, POLICY, calendars)
    assert first == second
    assert len(first[1]) > 15


def test_a_replay_without_timer_ticks_emits_what_the_live_run_did():
    live = fold(STORY, POLICY, calendars)
    state, effects = fold([e for e in STORY if not isinstance(e, TimerTick)], POLICY, calendars)
    state, caught_up = fire_timers(state, STORY[-1].time)
    assert (state, effects + caught_up) == live


def test_the_state_survives_a_json_round_trip_at_every_step():
    state = ComplaintClocks()
    for event in STORY:
        state, effects = decide(state, event, POLICY, calendars)
        stored = from_json(json.loads(json.dumps(to_json(state))))
        assert stored == state
        assert next_timer(stored) == next_timer(state)
    paused = fold(STORY[:7], POLICY, calendars)[0]
    assert paused.clock("resolve").status == "paused"
    reloaded = from_json(json.loads(json.dumps(to_json(paused))))
    assert fold(STORY[7:], POLICY, calendars, reloaded) == fold(
        STORY[7:], POLICY, calendars, paused
    )


def test_json_keeps_microseconds_and_refuses_an_unknown_version():
    odd = at("Mon 2026-03-16 09:00") + timedelta(microseconds=123457)
    state, _ = fold([Assignment("b1", "branch", odd)], ClockPolicy(transfer=H / 7), calendars)
    assert from_json(json.loads(json.dumps(to_json(state)))) == state
    with pytest.raises(ValueError, match="version"):
        from_json({**to_json(state), "version": 99})
