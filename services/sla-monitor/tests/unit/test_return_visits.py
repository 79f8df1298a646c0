"""The `return_visit` clock: which resolved complaints get one, who owes it, how long it runs,
what meets and cancels it, and the sample drawn from the complaint id.

Demo calendar (09:00-12:00 and 13:30-17:30, 7 h a day, Asia/Shanghai, cn holidays); times in
the cases are Shanghai wall times. 3 working days from Friday 13 March 2026 16:00 are 1.5 h on
Friday, 7 h on Monday and Tuesday and 5.5 h on Wednesday: due Wednesday 18 March 16:00.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints_shared.organisation import CalendarSpec, load_organisation
from sla_monitor.config import SlaSettings
from sla_monitor.domain.calendars import build_calendar
from sla_monitor.domain.clocks import (
    Arrival,
    Assignment,
    ClockBreach,
    ClockPolicy,
    ClockStart,
    ClockStop,
    ClockWarning,
    Closing,
    Reopening,
    Resolution,
    ReturnVisit,
    TimerTick,
    decide,
    fold,
    from_json,
    return_visit_grounds,
    to_json,
)
from sla_monitor.domain.return_visits import in_sample, return_visit_owner, standing_grounds
from sla_monitor.service_layer.recompute import fingerprint

SH = ZoneInfo("Asia/Shanghai")
DEMO = build_calendar(
    CalendarSpec(hours=("09:00-12:00", "13:30-17:30"), official="cn"), "Asia/Shanghai"
)
ORG = load_organisation(Path(__file__).parents[4] / "deploy/demo/organisation.yaml")
POLICY = ClockPolicy()
NOBODY_SAMPLED = ClockPolicy(return_visit_sample_percent=0)
H = timedelta(hours=1)
# sha256(id) % 100 of these ids: C-5 -> 2 (in a 10% sample), C-13 -> 10 and C-1 -> 80 (not).
SAMPLED, JUST_OUTSIDE, OUTSIDE = "C-5", "C-13", "C-1"


def calendars(unit: str):
    return DEMO


def at(text: str) -> datetime:
    """ "Fri 2026-03-13 16:00" in Shanghai; the weekday is checked so the cases read true."""
    weekday, rest = text.split(" ", 1)
    naive = datetime.fromisoformat(rest)
    assert f"{naive:%a}" == weekday, f"{rest} is a {naive:%a}, not a {weekday}"
    return naive.replace(tzinfo=SH)


RECEIVED = at("Thu 2026-03-12 10:00")
RESOLVED = at("Fri 2026-03-13 16:00")
DUE = at("Wed 2026-03-18 16:00")


def arrival(cid: str = OUTSIDE, unit: str = "YN-KM-01", **facts) -> Arrival:
    owner = return_visit_owner(ORG, unit)
    return Arrival("complaint", unit, RECEIVED, complaint_id=cid, visit_owner=owner, **facts)


def handled(*, policy: ClockPolicy = POLICY, **arrived):
    """A complaint received, assigned to its outlet and resolved; the state and effects."""
    return fold(
        [
            arrival(**arrived),
            Assignment("YN-KM-01", "branch", RECEIVED),
            Resolution(RESOLVED),
        ],
        policy,
        calendars,
    )


def visits(effects) -> list:
    return [e for e in effects if e.clock == "return_visit"]


def visit_started(effects) -> ClockStart:
    (found,) = [e for e in visits(effects) if isinstance(e, ClockStart)]
    return found


@pytest.mark.parametrize(
    ("facts", "grounds"),
    [
        ({"major": True}, ("major",)),
        ({"key_customer": True}, ("key_customer",)),
        ({"prior_complaints": 1}, ("repeat_complainant",)),
        ({"prior_complaints": 4}, ("repeat_complainant",)),
        ({"major": True, "key_customer": True}, ("major", "key_customer")),
        ({"cid": SAMPLED}, ("sample",)),
        # A complaint with another ground is not "the rest": no sample is drawn for it.
        ({"cid": SAMPLED, "major": True}, ("major",)),
    ],
)
def test_a_resolution_starts_the_return_visit_for_each_ground(facts, grounds):
    state, effects = handled(**facts)
    assert state.visit_grounds == grounds
    started = visit_started(effects)
    assert (started.owner, started.calendar, started.run) == ("YN-SUP", "YN-SUP", 1)
    assert (started.started_at, started.due_at) == (RESOLVED, DUE)
    assert started.budget_seconds == 3 * 7 * 3600
    assert started.handling_level is None
    assert state.clock("return_visit").status == "running"


@pytest.mark.parametrize(
    ("facts", "policy"),
    [
        ({"cid": OUTSIDE}, POLICY),
        ({"cid": JUST_OUTSIDE}, POLICY),  # bucket 10 is outside a 10% sample (0-9)
        ({"cid": SAMPLED}, NOBODY_SAMPLED),
        ({"cid": OUTSIDE, "prior_complaints": 0, "key_customer": False}, POLICY),
    ],
)
def test_no_return_visit_for_a_normal_complaint_outside_the_sample(facts, policy):
    state, effects = handled(policy=policy, **facts)
    assert visits(effects) == []
    assert state.clock("return_visit") is None
    assert return_visit_grounds(state) == ()


def test_the_resolution_meets_the_other_clocks_first_then_starts_the_visit():
    _, effects = handled(major=True)
    resolution = [e for e in effects if e.time == RESOLVED]
    kinds = [(type(e).__name__, e.clock) for e in resolution]
    assert kinds[-1] == ("ClockStart", "return_visit")
    assert ("ClockStop", "resolve") in kinds and ("ClockStop", "customer") in kinds


def test_everyone_in_a_full_sample_gets_one():
    _, effects = handled(policy=ClockPolicy(return_visit_sample_percent=100), cid=OUTSIDE)
    assert visit_started(effects).owner == "YN-SUP"


@pytest.mark.parametrize(
    ("receiving_unit", "owner"),
    [
        ("YN-KM-01", "YN-SUP"),  # a Yunnan outlet: the province's line, not Kunming's
        ("YN-KM", "YN-SUP"),
        ("YN-HOT", "YN-SUP"),
        ("YN", "YN-SUP"),
        ("GD-SZ-02", "GD-SUP"),
        ("HQ", "HQ-QSG"),  # received at HQ: its quality-service group
        ("HQ-DIO", "HQ-QSG"),
    ],
)
def test_the_visit_is_owed_by_the_receiving_provinces_supervision_line(receiving_unit, owner):
    assert return_visit_owner(ORG, receiving_unit) == owner
    _, effects = handled(unit=receiving_unit, major=True)
    assert visit_started(effects).owner == owner


def test_budget_is_configurable_in_working_days():
    policy = ClockPolicy(return_visit_days=1.5)
    _, effects = handled(policy=policy, key_customer=True)
    # 10.5 h: 1.5 h on Friday, 7 h on Monday, 2 h on Tuesday.
    assert visit_started(effects).due_at == at("Tue 2026-03-17 11:00")


def test_the_visit_meets_it():
    state, _ = handled(major=True)
    visited = at("Mon 2026-03-16 10:00")
    state, effects = decide(state, ReturnVisit(visited), POLICY, calendars)
    (stop,) = effects
    assert isinstance(stop, ClockStop)
    assert (stop.clock, stop.outcome, stop.late, stop.owner) == (
        "return_visit",
        "met",
        False,
        "YN-SUP",
    )
    assert state.clock("return_visit").status == "met"
    # Another visit changes nothing.
    assert decide(state, ReturnVisit(visited + H), POLICY, calendars) == (state, [])


def test_a_visit_without_a_running_clock_changes_nothing():
    state, _ = handled()
    assert decide(state, ReturnVisit(RESOLVED + H), POLICY, calendars) == (state, [])


def test_it_warns_and_breaches_like_any_clock_and_a_late_visit_is_late():
    state, _ = handled(major=True)
    state, effects = decide(state, TimerTick(at("Thu 2026-03-19 09:00")), POLICY, calendars)
    assert [(type(e), e.clock) for e in effects] == [
        (ClockWarning, "return_visit"),  # 75%: 15.75 h used, Wednesday 09:15
        (ClockWarning, "return_visit"),  # 1 h before due, Wednesday 15:00
        (ClockBreach, "return_visit"),
    ]
    assert [e.time for e in effects] == [
        at("Wed 2026-03-18 09:15"),
        at("Wed 2026-03-18 15:00"),
        DUE,
    ]
    _, effects = decide(state, ReturnVisit(at("Thu 2026-03-19 10:00")), POLICY, calendars)
    assert effects[0].late is True


def test_reopening_cancels_it_and_the_next_resolution_starts_a_new_one():
    state, _ = handled(major=True)
    reopened = at("Mon 2026-03-16 10:00")
    state, effects = decide(state, Reopening(reopened), POLICY, calendars)
    assert [(type(e).__name__, e.clock) for e in effects] == [
        ("ClockStop", "return_visit"),
        ("ClockStart", "resolve"),
    ]
    assert effects[0].outcome == "cancelled"
    resolved_again = at("Tue 2026-03-17 10:00")
    state, effects = decide(state, Resolution(resolved_again), POLICY, calendars)
    again = visit_started(effects)
    assert (again.run, again.started_at) == (2, resolved_again)
    assert again.due_at == at("Fri 2026-03-20 10:00")
    assert return_visit_grounds(state) == ("major", "reopened")


def test_a_reopened_complaint_always_gets_one_at_its_next_resolution():
    state, effects = handled(cid=OUTSIDE)
    assert visits(effects) == []
    state, _ = decide(state, Closing(RESOLVED + H), POLICY, calendars)
    state, effects = decide(state, Reopening(at("Mon 2026-03-16 10:00")), POLICY, calendars)
    assert visits(effects) == []
    state, effects = decide(
        state, Resolution(at("Tue 2026-03-17 10:00")), NOBODY_SAMPLED, calendars
    )
    assert visit_started(effects).run == 1
    assert return_visit_grounds(state) == ("reopened",)


def test_a_resolution_delivered_twice_does_not_restart_a_running_visit():
    state, _ = handled(major=True)
    assert decide(state, Resolution(RESOLVED + H), POLICY, calendars) == (state, [])


def test_closing_cancels_it():
    state, _ = handled(major=True)
    state, effects = decide(state, Closing(RESOLVED + H), POLICY, calendars)
    assert [(e.clock, e.outcome) for e in effects] == [("return_visit", "cancelled")]


def test_no_owner_means_no_clock():
    state, effects = fold(
        [Arrival("complaint", "x", RECEIVED, major=True), Resolution(RESOLVED)],
        POLICY,
        calendars,
    )
    assert visits(effects) == [] and state.visit_grounds == ("major",)


def test_the_state_keeps_the_grounds_through_json():
    state, _ = handled(major=True, prior_complaints=2)
    state, _ = decide(state, Reopening(RESOLVED + H), POLICY, calendars)
    assert from_json(to_json(state)) == state
    assert (state.visit_owner, state.visit_grounds, state.reopened) == (
        "YN-SUP",
        ("major", "repeat_complainant"),
        True,
    )


# -- the sample -----------------------------------------------------------------------------


def bucket(cid: str) -> int:
    """The bucket of the documented rule, computed independently of the code under test."""
    return int(hashlib.sha256(cid.encode()).hexdigest(), 16) % 100


def test_the_example_ids_fall_where_the_cases_say():
    assert (bucket(SAMPLED), bucket(JUST_OUTSIDE), bucket(OUTSIDE)) == (2, 10, 80)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=60), st.integers(0, 100))
def test_the_sample_is_stable_and_follows_the_documented_rule(cid, percent):
    first = in_sample(cid, percent)
    assert first == in_sample(cid, percent)  # the same id, the same answer
    assert first == (bucket(cid) < percent)
    assert in_sample(cid, 0) is False and in_sample(cid, 100) is True
    if first:  # a larger sample keeps everyone a smaller one had
        assert in_sample(cid, min(percent + 1, 100))


@pytest.mark.parametrize("percent", [1, 10, 25, 50, 90])
def test_the_share_sampled_is_close_to_the_percent(percent):
    ids = [f"C-{n:06d}" for n in range(20_000)]
    share = sum(in_sample(cid, percent) for cid in ids) / len(ids)
    assert share == pytest.approx(percent / 100, abs=0.01)


def test_standing_grounds_draw_the_sample_only_for_the_rest():
    facts = {"major": False, "key_customer": False, "prior_complaints": 0}
    assert standing_grounds(complaint_id=SAMPLED, sample_percent=10, **facts) == ("sample",)
    assert standing_grounds(complaint_id=OUTSIDE, sample_percent=10, **facts) == ()


# -- settings -------------------------------------------------------------------------------


def test_settings_reach_the_policy_and_its_fingerprint(monkeypatch):
    defaults = SlaSettings().policy()
    assert (defaults.return_visit_days, defaults.return_visit_sample_percent) == (3, 10)
    monkeypatch.setenv("RETURN_VISIT_DAYS", "2")
    monkeypatch.setenv("RETURN_VISIT_SAMPLE_PERCENT", "25")
    changed = SlaSettings().policy()
    assert (changed.return_visit_days, changed.return_visit_sample_percent) == (2, 25)
    assert fingerprint(changed, ORG) != fingerprint(defaults, ORG)
    assert fingerprint(ClockPolicy(return_visit_sample_percent=25), ORG) != fingerprint(
        ClockPolicy(), ORG
    )


@pytest.mark.parametrize("percent", [-1, 101])
def test_a_sample_outside_0_to_100_is_refused(percent):
    with pytest.raises(ValueError, match="0 to 100"):
        ClockPolicy(return_visit_sample_percent=percent)
    with pytest.raises(ValueError):
        SlaSettings(return_visit_sample_percent=percent)


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="negative"):
        ClockPolicy(return_visit_days=-1)
