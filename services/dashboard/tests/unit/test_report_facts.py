"""What each event adds to the monthly reports (`report_facts.facts_of`), case by case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import sla_events as s
from dashboard.domain.fold import apply
from dashboard.domain.report_facts import facts_of

from .events import T0, action, assigned, at, breached, fold, received, started, stopped

ZHANG = c.HandlerRef(id="E1", name="张三")
LI = c.HandlerRef(id="E2", name="李四")
OWNER = "YN-KM-01"
BASE = (
    received(OWNER, category="attitude", prior_complaints=2),
    (assigned(OWNER), at(1)),
    (started("start", OWNER, at(1), at(121)), at(1)),
)
SIGNED = (*BASE, action(c.ComplaintAccepted, OWNER, at(10), handler=ZHANG))


def _facts(history, event, when):
    before = fold(*history)
    return facts_of(before, apply(before, event, when), event, "E", when)


def _summary(facts):
    return [
        (f.kind, f.unit, f.handler_id, f.name, f.outcome, f.breach, f.at - T0, f.seconds)
        for f in facts
    ]


M = timedelta(minutes=1)
CASES = [
    # received: the receiving unit, its category and whether the customer complained before
    ((), received(OWNER), T0, [("received", OWNER, None, None, None, False, 0 * M, None)]),
    # signed for by a handler: taken, and the time to start (9 minutes)
    (
        BASE,
        action(c.ComplaintAccepted, OWNER, at(10), handler=ZHANG),
        at(10),
        [
            ("taken", OWNER, "E1", None, None, False, 10 * M, None),
            ("sample", OWNER, "E1", "start", None, False, 10 * M, 540),
        ],
    ),
    # the same handler again: nothing new
    (SIGNED, action(c.HandlerChanged, OWNER, at(20), handler=ZHANG), at(20), []),
    # another handler takes over
    (
        SIGNED,
        action(c.HandlerChanged, OWNER, at(20), handler=LI),
        at(20),
        [("taken", OWNER, "E2", None, None, False, 20 * M, None)],
    ),
    # classified: the owner and its handler then
    (
        SIGNED,
        action(c.Classified, OWNER, at(30), classification="special"),
        at(30),
        [("classified", OWNER, "E1", None, "special", False, 30 * M, None)],
    ),
    # a breach: late, attributed as the SLA monitor named it
    (
        BASE,
        s.SlaBreached(clock="start", owner_unit=OWNER, due_at=at(121), handler=LI),
        at(121),
        [("clock", OWNER, "E2", "start", "late", True, 121 * M, None)],
    ),
    # met in time
    (
        SIGNED,
        s.ClockStopped(
            clock="start", owner_unit=OWNER, outcome="met", stopped_at=at(10), handler=ZHANG
        ),
        at(10),
        [("clock", OWNER, "E1", "start", "on_time", False, 10 * M, None)],
    ),
    # met late without a breach seen: late, no breach
    (
        SIGNED,
        stopped("start", OWNER, at(10), late=True),
        at(10),
        [("clock", OWNER, None, "start", "late", False, 10 * M, None)],
    ),
    # met after its breach: decided already
    (
        (*BASE, (breached("start", OWNER, at(121)), at(121))),
        stopped("start", OWNER, at(130), late=True),
        at(130),
        [],
    ),
    # cancelled: no outcome
    (BASE, stopped("start", OWNER, at(5), outcome="cancelled"), at(5), []),
    # a return visit falls due: counted at its due time, for the complaint's owner and handler
    (
        SIGNED,
        started("return_visit", "YN-SUP", at(60), at(60 * 24 * 3)),
        at(60),
        [("visit_due", OWNER, "E1", "return_visit", None, False, 60 * 24 * 3 * M, None)],
    ),
]


@pytest.mark.parametrize(("history", "event", "when", "want"), CASES)
def test_each_event_adds_its_facts(history, event, when, want):
    assert _summary(_facts(history, event, when)) == want


def test_the_received_fact_carries_category_and_repeat():
    (fact,) = _facts((), received(OWNER, category="attitude", prior_complaints=2), T0)
    assert (fact.category, fact.repeat) == ("attitude", True)
    (fact,) = _facts((), received(OWNER), T0)
    assert (fact.category, fact.repeat) == ("other", False)


@pytest.mark.parametrize(("reached", "score"), [(True, 2), (False, None)])
def test_a_visit_is_attributed_to_the_owner_and_scores_only_when_reached(reached, score):
    visit = action(
        c.ReturnVisitRecorded, "YN-SUP", at(90), satisfaction=2, reached=reached,
        customer_asks="希望短信提醒",
    )  # fmt: skip
    (fact,) = _facts(SIGNED, visit, at(90))
    assert (fact.kind, fact.unit, fact.handler_id, fact.handler_name) == (
        "visit",
        OWNER,
        "E1",
        "张三",
    )
    assert (fact.satisfaction, fact.reached, fact.customer_asks) == (score, reached, "希望短信提醒")


def test_a_return_visit_clock_outcome_also_counts_for_the_visit_summary():
    history = (*SIGNED, (started("return_visit", "YN-SUP", at(60), at(600)), at(60)))
    stop = s.ClockStopped(
        clock="return_visit", owner_unit="YN-SUP", outcome="met", stopped_at=at(90)
    )
    assert _summary(_facts(history, stop, at(90))) == [
        ("clock", "YN-SUP", None, "return_visit", "on_time", False, 90 * M, None),
        ("visit_outcome", OWNER, "E1", "return_visit", "on_time", False, 90 * M, None),
    ]


def test_facts_of_one_event_are_numbered():
    reply = action(c.Resolved, OWNER, at(100), reply="ok")
    facts = _facts(SIGNED, reply, at(100))
    assert [(f.kind, f.name, f.seq, f.seconds) for f in facts] == [("sample", "resolve", 0, 6000)]
