"""The hand-off timeline: public fields only, and how long each owner held the complaint."""

from __future__ import annotations

from dashboard.domain.timeline import Entry, handoffs, public_data, stays

from .events import T0, at, received


def test_no_personal_data_enters_the_timeline():
    data = public_data(received().model_dump(mode="json"))
    assert "customer" not in data and "summary" not in data
    assert data["receiving_unit"] == "YN-KM-01"
    assert public_data({"reply": "call me on 138…", "text": "a note", "recipient": "a@b"}) == {}


def test_stays_run_from_each_assignment_to_the_next_and_end_with_the_reply():
    entries = [
        Entry("complaint.received", T0, {}),
        Entry("complaint.assigned", T0, {"owner_unit": "YN-KM-01"}),
        Entry(
            "complaint.transferred",
            at(30),
            {"from_unit": "YN-KM-01", "to_unit": "YN-KM", "reason": "beyond_authority"},
        ),
        Entry("complaint.assigned", at(30), {"owner_unit": "YN-KM"}),
        Entry(
            "complaint.escalated",
            at(90),
            {"from_unit": "YN-KM", "to_unit": "YN-CS", "reason": "breached"},
        ),
        Entry("complaint.assigned", at(95), {"owner_unit": "YN-KM"}),  # the same owner again
        Entry("complaint.resolved", at(120), {}),
    ]
    assert [(s.unit, s.seconds, s.until) for s in stays(entries, now=at(500))] == [
        ("YN-KM-01", 1800, at(30)),
        ("YN-KM", 5400, at(120)),
    ]
    assert [(h["kind"], h["to_unit"], h["why"]) for h in handoffs(entries)] == [
        ("transferred", "YN-KM", "beyond_authority"),
        ("escalated", "YN-CS", "breached"),
    ]
    reopened = [*entries, Entry("complaint.reopened", at(200), {})]
    last = stays(reopened, now=at(500))[-1]
    assert last.until is None and last.seconds == 470 * 60
