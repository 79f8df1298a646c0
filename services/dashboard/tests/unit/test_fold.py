"""The fold of one complaint's events into the dashboard's facts."""

from __future__ import annotations

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import personal_data_events as p
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.workflow import lifecycle
from dashboard.domain.fold import apply
from dashboard.domain.model import Complaint

from .events import T0, action, assigned, at, breached, fold, received, started, stopped


def test_a_received_complaint_is_registered_with_its_customer_masked():
    complaint = fold(received())
    assert complaint.registered and complaint.open
    assert (complaint.customer_name, complaint.customer_phone) == ("张**", "*******8000")
    assert complaint.units_involved == ["YN-KM-01"]
    assert complaint.status == "received"


def test_apply_leaves_its_argument_alone():
    before = Complaint("C1")
    after = apply(before, received(), T0)
    assert before.received_at is None and after.received_at == T0


def test_time_to_start_runs_from_the_assignment_and_time_to_resolve_from_receipt():
    complaint = fold(
        received(),
        (assigned("YN-KM-01"), at(5)),
        action(c.ComplaintAccepted, "YN-KM-01", at(35)),
        action(c.Resolved, "YN-KM-01", at(240), reply="done"),
        action(c.Classified, "YN", at(300), classification="special"),
        action(c.ReturnVisitRecorded, "YN-SUP", at(400), satisfaction=4),
    )
    assert [(x.measure, x.unit, x.seconds) for x in complaint.samples] == [
        ("start", "YN-KM-01", 30 * 60),
        ("resolve", "YN-KM-01", 240 * 60),
    ]
    assert (complaint.classification, complaint.satisfaction) == ("special", 4)
    assert complaint.status == "resolved" and not complaint.open


def test_a_sign_for_that_reaches_the_log_before_the_assignment_still_counts():
    complaint = fold(
        received(),
        action(c.ComplaintAccepted, "YN-KM-01", at(3)),
        (assigned("YN-KM-01"), T0),  # a derived event carries its cause's time
    )
    assert [(x.measure, x.seconds) for x in complaint.samples] == [("start", 180)]
    assert complaint.owner_accepted


def test_only_the_owner_signs_for_it_and_each_owner_once():
    complaint = fold(
        received(),
        (assigned("YN-KM-01"), T0),
        action(c.ComplaintAccepted, "YN-KM-02", at(1)),  # not the owner
        action(c.ComplaintAccepted, "YN-KM-01", at(10)),
        action(c.ComplaintAccepted, "YN-KM-01", at(20)),  # again
        (
            r.ComplaintTransferred(from_unit="YN-KM-01", to_unit="YN-KM", reason="x", rule="r"),
            at(30),
        ),
        (assigned("YN-KM", previous_owner="YN-KM-01"), at(30)),
        action(c.ComplaintAccepted, "YN-KM", at(90)),
    )
    assert [(x.unit, x.seconds) for x in complaint.samples] == [("YN-KM-01", 600), ("YN-KM", 3600)]
    assert complaint.owner_unit == "YN-KM"
    assert complaint.units_involved == ["YN-KM-01", "YN-KM"]


def test_escalations_and_reports_involve_units_and_restriction_sticks():
    complaint = fold(
        received(),
        (assigned("YN-KM-01", restricted=True, reported_to=("YN-SUP",)), T0),
        (
            r.ComplaintEscalated(
                from_unit="YN-KM-01", to_unit="YN-KM", clock="resolve", reason="x"
            ),
            at(60),
        ),
        (assigned("YN-KM", previous_owner="YN-KM-01"), at(70)),
    )
    assert complaint.units_involved == ["YN-KM-01", "YN-SUP", "YN-KM"]
    assert complaint.restricted


def test_clock_runs_follow_the_sla_events_and_say_whether_they_were_met_in_time():
    complaint = fold(
        received(),
        started("start", "YN-KM-01", T0, at(120)),
        started("resolve", "YN-KM-01", T0, at(600)),
        (
            s.ClockPaused(
                clock="resolve",
                owner_unit="YN-KM-01",
                paused_at=at(30),
                remaining_seconds=100,
                due_at=at(700),
            ),
            at(30),
        ),
        (
            s.ClockResumed(
                clock="resolve", owner_unit="YN-KM-01", resumed_at=at(60), due_at=at(800)
            ),
            at(60),
        ),
        (breached("start", "YN-KM-01", at(120)), at(120)),
        stopped("start", "YN-KM-01", at(130), late=True),
        stopped("resolve", "YN-KM-01", at(200)),
        started("resolve", "YN-KM", at(300), at(900)),  # a new run after a hand-off
    )
    runs = {(x.clock, x.run): x for x in complaint.runs}
    assert runs[("start", 1)].verdict == "late"
    assert runs[("resolve", 1)].due_at == at(800) and runs[("resolve", 1)].verdict == "on_time"
    assert runs[("resolve", 2)].owner_unit == "YN-KM" and runs[("resolve", 2)].verdict == "pending"
    assert complaint.latest_run("resolve").run == 2


def test_a_cancelled_run_is_not_judged_unless_it_had_breached():
    complaint = fold(
        received(),
        started("transfer", "YN-KM-01", T0, at(60)),
        stopped("transfer", "YN-KM-01", at(30), outcome="cancelled"),
        started("start", "YN-KM-01", T0, at(120)),
        (breached("start", "YN-KM-01", at(120)), at(120)),
        stopped("start", "YN-KM-01", at(150), outcome="cancelled"),
    )
    assert [x.verdict for x in complaint.runs] == ["pending", "late"]


def test_a_clock_event_without_its_start_still_makes_a_run():
    complaint = fold(received(), (breached("resolve", "YN-KM-01", at(60)), at(60)))
    assert complaint.runs[0].breached and complaint.runs[0].due_at == at(60)


def test_after_the_reply_only_reopening_or_closing_changes_the_status():
    complaint = fold(
        received(),
        (assigned("YN-KM-01"), T0),
        action(c.Resolved, "YN-KM-01", at(10), reply="done"),
        action(c.CustomerContacted, "YN-KM-01", at(11)),
    )
    assert complaint.status == "resolved"
    complaint = apply(complaint, action(c.Reopened, "YN-KM-01", at(20)), at(20))
    assert complaint.status == "in_progress" and complaint.open  # there is no status reopened
    complaint = apply(complaint, action(c.Resolved, "YN-KM-01", at(30), reply="again"), at(30))
    assert complaint.resolved_at == at(10)  # time to resolve is the first reply's
    complaint = apply(complaint, action(c.Closed, "YN-KM-01", at(40)), at(40))
    assert complaint.status == "closed"


def test_the_status_owner_and_involvement_are_the_shared_folds():
    steps = [
        (received(), T0),
        (assigned("YN-KM-01"), T0),
        (action(c.ComplaintAccepted, "YN-KM-01", at(10)), at(10)),
        (
            r.ComplaintTransferred(from_unit="YN-KM-01", to_unit="YN-KM", reason="x", rule="r"),
            at(20),
        ),
        (assigned("YN-KM", previous_owner="YN-KM-01"), at(20)),
    ]
    complaint, state = Complaint("C1"), lifecycle.ComplaintState()
    for event, when in steps:
        complaint, state = apply(complaint, event, when), lifecycle.apply(state, event, when)
    assert complaint.state == state
    assert (complaint.status, complaint.owner_unit) == ("assigned", "YN-KM")  # a hand-off
    assert complaint.owner_since == at(20) and not complaint.owner_accepted
    complaint = apply(complaint, action(c.ComplaintAccepted, "YN-KM", at(30)), at(30))
    complaint = apply(complaint, action(c.WaitingOnCustomer, "YN-KM", at(40)), at(40))
    assert complaint.status == "waiting_on_customer"


def test_a_major_liability_case_is_restricted_from_its_receipt():
    complaint = fold(received(flags=["major_liability"]))
    assert complaint.restricted and complaint.units_involved == ["YN-KM-01"]


def test_an_erasure_drops_the_masked_customer_and_the_complaint_still_counts():
    erased = p.PersonalDataErased(unit="YN", posted_by="YN", at=at(5), reason="asked")
    complaint = fold(received(), erased)
    assert (complaint.customer_name, complaint.customer_phone) == (None, None)
    assert complaint.registered and complaint.received_at == T0
    assert complaint.units_involved == ["YN-KM-01"]
