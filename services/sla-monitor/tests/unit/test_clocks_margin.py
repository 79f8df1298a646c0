"""Every stop carries the due time the clock had and the margin to it: working time on the
clock's own calendar between the stop and the due time, positive when early, negative when
late; real seconds on a 24x7 clock.

Demo calendar (09:00-12:00 and 13:30-17:30, Asia/Shanghai, cn holidays). A branch `resolve`
clock assigned Friday 13 March 2026 16:00 has 7 working hours: due Monday 16 March 16:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints_shared.organisation import CalendarSpec
from sla_monitor.domain.calendars import build_calendar
from sla_monitor.domain.clocks import (
    Acceptance,
    Arrival,
    Assignment,
    ClockPolicy,
    ClockStop,
    CustomerWait,
    Resolution,
    Transfer,
    fold,
)
from sla_monitor.service_layer.translate import effect_event

SH = ZoneInfo("Asia/Shanghai")
DEMO = build_calendar(
    CalendarSpec(hours=("09:00-12:00", "13:30-17:30"), official="cn"), "Asia/Shanghai"
)
POLICY = ClockPolicy()
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def calendars(unit: str):
    return DEMO


def at(text: str) -> datetime:
    weekday, rest = text.split(" ", 1)
    naive = datetime.fromisoformat(rest)
    assert f"{naive:%a}" == weekday, f"{rest} is a {naive:%a}, not a {weekday}"
    return naive.replace(tzinfo=SH)


FRI = at("Fri 2026-03-13 16:00")
RESOLVE_DUE = at("Mon 2026-03-16 16:00")


def stops(*events) -> dict[str, ClockStop]:
    _, effects = fold(list(events), POLICY, calendars)
    return {e.clock: e for e in effects if isinstance(e, ClockStop)}


@pytest.mark.parametrize(
    ("resolved", "margin", "late"),
    [
        # Early across the weekend: 30 min on Friday, 3 h + 2.5 h on Monday; no weekend.
        ("Fri 2026-03-13 17:00", 6 * H, False),
        # Saturday counts nothing: the whole Monday up to 16:00 is left.
        ("Sat 2026-03-14 11:00", 5.5 * H, False),
        # During the midday break on Monday: 13:30-16:00.
        ("Mon 2026-03-16 12:30", 2.5 * H, False),
        ("Mon 2026-03-16 16:00", 0 * H, False),  # exactly on time
        # Late: Monday 16:00-17:30 and Tuesday 09:00-10:00, the night not counted.
        ("Tue 2026-03-17 10:00", -2.5 * H, True),
        # Late across the next weekend: Mon 1.5 h, Tue-Thu 21 h, Fri 7 h, Mon 09:00-09:30.
        ("Mon 2026-03-23 09:30", -30 * H, True),
    ],
)
def test_resolve_is_met_with_the_working_time_to_spare_or_overdue(resolved, margin, late):
    stop = stops(Assignment("b1", "branch", FRI), Resolution(at(resolved)))["resolve"]
    assert (stop.outcome, stop.late) == ("met", late)
    assert stop.due_at == RESOLVE_DUE
    assert stop.margin_seconds == int(margin.total_seconds())


def test_a_round_the_clock_clock_counts_plain_seconds():
    got = stops(
        Assignment("b1", "branch", FRI),
        Acceptance("b1", FRI + 30 * MIN),  # start (2 h): 90 min early; transfer: 30 min early
    )
    assert (got["transfer"].margin_seconds, got["start"].margin_seconds) == (30 * 60, 90 * 60)
    assert got["start"].due_at == (FRI + 2 * H).astimezone(UTC)
    late = stops(Assignment("b1", "branch", FRI), Acceptance("b1", FRI + 26 * H))["start"]
    assert late.margin_seconds == -24 * 3600 and late.late  # the night and Saturday count


def test_a_cancelled_clock_carries_its_margin_too():
    got = stops(Assignment("b1", "branch", FRI), Transfer("b1", "p1", FRI + 15 * MIN))
    assert got["transfer"].outcome == "met"
    assert got["resolve"].outcome == "cancelled"
    assert got["resolve"].margin_seconds == 7 * 3600 - 15 * 60
    assert got["resolve"].due_at == RESOLVE_DUE


def test_a_paused_clock_stopped_has_its_remaining_time_as_margin():
    paused = at("Fri 2026-03-13 17:00")  # 1 h used, 6 h left
    stopped = at("Tue 2026-03-17 10:00")  # still paused: nothing more used
    stop = stops(Assignment("b1", "branch", FRI), CustomerWait(paused), Resolution(stopped))[
        "resolve"
    ]
    assert stop.margin_seconds == 6 * 3600
    # The due time it had: what a resume at the stop would have given.
    assert stop.due_at == at("Tue 2026-03-17 17:30")  # 10:00-12:00, 13:30-17:30


def test_the_customer_clock_counts_on_the_receiving_units_calendar():
    stop = stops(Arrival("complaint", "hotline", FRI), Resolution(at("Mon 2026-03-16 09:00")))
    # 5 working days = 35 h; 1.5 h used on Friday.
    assert stop["customer"].margin_seconds == int((35 - 1.5) * 3600)
    assert stop["customer"].due_at == at("Fri 2026-03-20 16:00")


def test_the_stop_event_carries_due_at_and_margin():
    state, effects = fold(
        [Assignment("b1", "branch", FRI), Resolution(at("Tue 2026-03-17 10:00"))],
        POLICY,
        calendars,
    )
    stop = next(e for e in effects if isinstance(e, ClockStop) and e.clock == "resolve")
    event, what = effect_event(stop, state, calendars)
    assert what == "stopped"
    dumped = event.model_dump(mode="json")
    assert dumped["margin_seconds"] == -9000 and dumped["late"] is True
    assert datetime.fromisoformat(dumped["due_at"]) == RESOLVE_DUE
