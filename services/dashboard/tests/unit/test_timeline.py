"""The hand-off timeline: public fields only, and how long each owner held the complaint."""

from __future__ import annotations

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.workflow.lifecycle import stays
from dashboard.domain.fold import apply
from dashboard.domain.timeline import Entry, handoffs, public_data

from .events import T0, action, assigned, at, fold, received


def test_no_personal_data_enters_the_timeline():
    data = public_data(received().model_dump(mode="json"))
    assert "customer" not in data and "summary" not in data
    assert data["receiving_unit"] == "YN-KM-01"
    assert public_data({"reply": "call me on 138…", "text": "a note", "recipient": "a@b"}) == {}


def test_handoffs_say_from_whom_to_whom_why_and_when():
    entries = [
        Entry("complaint.received", T0, {}),
        Entry("complaint.assigned", T0, {"owner_unit": "YN-KM-01"}),
        Entry(
            "complaint.transferred",
            at(30),
            {"from_unit": "YN-KM-01", "to_unit": "YN-KM", "reason": "beyond_authority"},
        ),
        Entry(
            "complaint.escalated",
            at(90),
            {"from_unit": "YN-KM", "to_unit": "YN-CS", "reason": "breached"},
        ),
    ]
    assert [(h["kind"], h["to_unit"], h["why"], h["at"]) for h in handoffs(entries)] == [
        ("transferred", "YN-KM", "beyond_authority", at(30)),
        ("escalated", "YN-CS", "breached", at(90)),
    ]


def _transferred(to: str, when) -> tuple:
    return (r.ComplaintTransferred(from_unit="x", to_unit=to, reason="r", rule="r"), when)


def test_stays_run_from_each_assignment_to_the_next_and_end_with_the_reply():
    complaint = fold(
        received(),
        (assigned("YN-KM-01"), T0),
        _transferred("YN-KM", at(30)),
        (assigned("YN-KM", previous_owner="YN-KM-01"), at(30)),
        (
            r.ComplaintEscalated(from_unit="YN-KM", to_unit="YN-CS", clock="start", reason="b"),
            at(90),
        ),
        (assigned("YN-KM", previous_owner="YN-KM"), at(95)),  # the same owner again
        action(c.ComplaintAccepted, "YN-KM", at(100)),
        action(c.Resolved, "YN-KM", at(120), reply="done"),
    )
    assert [(s.unit, s.seconds, s.until) for s in stays(complaint.state, now=at(500))] == [
        ("YN-KM-01", 1800, at(30)),
        ("YN-KM", 5400, at(120)),
    ]
    reopened = apply(complaint, action(c.Reopened, "YN-KM", at(200)), at(200))
    last = stays(reopened.state, now=at(500))[-1]
    assert last.until is None and last.seconds == 470 * 60
    assert reopened.status == "in_progress"


def test_owners_x_x_y_are_two_stays():
    complaint = fold(
        received(),
        (assigned("YN-KM-01"), T0),
        (assigned("YN-KM-01"), at(10)),  # a repeated assignment continues the stay
        _transferred("YN-KM", at(40)),
        (assigned("YN-KM", previous_owner="YN-KM-01"), at(40)),
    )
    assert [(s.unit, s.since, s.until) for s in stays(complaint.state, now=at(60))] == [
        ("YN-KM-01", T0, at(40)),
        ("YN-KM", at(40), None),
    ]
    assert complaint.owner_since == at(40)
