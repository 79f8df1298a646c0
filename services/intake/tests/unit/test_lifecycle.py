"""The status after each event, and how long the complaint sat with each owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intake.domain.lifecycle import Stay, next_status, stays

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "event", "expected"),
    [
        pytest.param(None, "complaint.received", "received", id="received"),
        pytest.param("received", "complaint.assigned", "assigned", id="assigned"),
        pytest.param("assigned", "complaint.accepted", "in_progress", id="accepted"),
        pytest.param("assigned", "complaint.customer_contacted", "in_progress", id="contacted"),
        pytest.param(
            "in_progress", "complaint.waiting_on_customer", "waiting_on_customer", id="waiting"
        ),
        pytest.param(
            "waiting_on_customer", "complaint.customer_responded", "in_progress", id="back"
        ),
        pytest.param("in_progress", "complaint.assigned", "assigned", id="reassigned-while-open"),
        pytest.param("in_progress", "complaint.resolved", "resolved", id="resolved"),
        pytest.param("resolved", "complaint.assigned", None, id="assignment-after-resolution"),
        pytest.param("closed", "complaint.assigned", None, id="assignment-after-closing"),
        pytest.param("resolved", "complaint.reopened", "reopened", id="reopened"),
        pytest.param("reopened", "complaint.assigned", "assigned", id="assigned-after-reopening"),
        pytest.param("resolved", "complaint.closed", "closed", id="closed"),
        pytest.param("in_progress", "complaint.note", None, id="note-changes-nothing"),
        pytest.param("assigned", "sla.breached", None, id="clock-event-changes-nothing"),
        pytest.param("assigned", "complaint.teleported", None, id="unknown-event"),
    ],
)
def test_next_status(current, event, expected):
    assert next_status(current, event) == expected


@pytest.mark.parametrize("current", ["in_progress", "waiting_on_customer"])
def test_a_first_assignment_arriving_after_work_started_keeps_the_status(current):
    assert next_status(current, "complaint.assigned", handoff=False) is None


def test_a_first_assignment_of_a_received_complaint_assigns_it():
    assert next_status("received", "complaint.assigned", handoff=False) == "assigned"


def test_a_whole_life_in_order():
    events = [
        "complaint.received",
        "complaint.assigned",
        "complaint.accepted",
        "complaint.waiting_on_customer",
        "complaint.customer_responded",
        "complaint.resolved",
        "complaint.assigned",
        "complaint.reopened",
        "complaint.closed",
    ]
    status, seen = None, []
    for event in events:
        status = next_status(status, event) or status
        seen.append(status)
    assert seen == [
        "received",
        "assigned",
        "in_progress",
        "waiting_on_customer",
        "in_progress",
        "resolved",
        "resolved",
        "reopened",
        "closed",
    ]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_each_stay_lasts_until_the_next_assignment_and_the_last_is_open():
    assignments = [("YN-KM", at(0)), ("YN-KM-CARDS", at(30)), ("YN", at(90))]
    assert stays(assignments, ended_at=None, now=at(100)) == [
        Stay("YN-KM", at(0), at(30), 1800),
        Stay("YN-KM-CARDS", at(30), at(90), 3600),
        Stay("YN", at(90), None, 600),
    ]


def test_the_last_stay_ends_at_resolution_not_now():
    assignments = [("YN-KM", at(0)), ("YN-DL", at(10))]
    assert stays(assignments, ended_at=at(25), now=at(600))[-1] == Stay(
        "YN-DL", at(10), at(25), 900
    )


def test_no_assignments_means_no_stays():
    assert stays([], ended_at=None, now=at(5)) == []


def test_a_stay_never_has_negative_seconds():
    # an assignment whose event time is later than "now" (clock skew) or than the resolution
    assert stays([("YN-KM", at(10))], ended_at=None, now=at(0))[0].seconds == 0
    assert stays([("YN-KM", at(10))], ended_at=at(5), now=at(20))[0].seconds == 0
