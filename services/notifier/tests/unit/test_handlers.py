"""The notifier's handlers on the fake stores: what each event records, and for whom.

The stores are `notifier.testing.fakes`; the same behaviour of the SQL adapters is pinned by
the contract tests in tests/integration/.
"""

from __future__ import annotations

from datetime import timedelta

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import personal_data_events as p
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import new_id
from complaints_shared.masking import mask_phone

CID = "c-1"
MASKED = f"王** {mask_phone('+86 138 0013 8000')}"


def assigned(owner: str, **more) -> r.ComplaintAssigned:
    return r.ComplaintAssigned(
        owner_unit=owner, handling_level="branch", rule="t", reason="t", **more
    )


def warning(harness, owner: str = "YN-KM-01", in_: timedelta = timedelta(hours=1)):
    return s.SlaWarning(
        clock="resolve",
        owner_unit=owner,
        due_at=harness.now + in_,
        point="75%",
        remaining_seconds=int(in_.total_seconds()),
    )


async def test_a_received_complaint_is_remembered_masked_and_tells_nobody(harness, received):
    await harness.handle(CID, received(flags=("media_exposure",)))
    facts = harness.tables.facts[CID]
    assert facts.media and facts.customer == MASKED
    assert facts.receiving_unit == "YN-KM-01"
    assert harness.alerts(CID) == []


async def test_an_assignment_tells_the_owner_and_the_units_also_involved(harness, received):
    await harness.handle(CID, received())
    envelope = await harness.handle(CID, assigned("YN-KM-01", also_involved=("YN-KM-CARDS",)))
    assert harness.told(CID) == [
        ("YN-KM-01", "owner", "pending"),
        ("YN-KM-CARDS", "involved", "pending"),
    ]
    owner = harness.alerts(CID)[0]
    assert owner["channel"] == "email" and owner["recipient"] != "yn-km-01@complaints.example"
    assert owner["cause_event_id"] == envelope.id and owner["cause_type"] == "complaint.assigned"
    assert "https://complaints.test/v1/complaints/c-1" in owner["message"]
    assert MASKED in owner["message"] and "王小明" not in owner["message"]
    # Each alert goes on its own delivery, due at once, to the real address.
    delivery = harness.delivery_of(owner)
    assert delivery["kind"] == "single" and delivery["next_attempt_at"] == harness.now
    assert delivery["address"] == "yn-km-01@complaints.example"


async def test_a_redelivered_event_tells_nobody_twice(harness, received):
    await harness.handle(CID, received())
    event_id = new_id()
    for _ in range(2):
        await harness.handle(CID, assigned("YN-KM-01"), event_id=event_id)
    assert harness.told(CID) == [("YN-KM-01", "owner", "pending")]
    assert len(harness.tables.deliveries) == 1


async def test_the_assignment_after_a_transfer_does_not_tell_the_new_owner_twice(harness, received):
    await harness.handle(CID, received())
    await harness.handle(CID, assigned("YN-KM-01"))
    transfer = r.ComplaintTransferred(from_unit="YN-KM-01", to_unit="YN-KM", reason="t", rule="t")
    await harness.handle(CID, transfer)
    assert harness.tables.facts[CID].handoff_told == "YN-KM"
    await harness.handle(CID, assigned("YN-KM"))
    assert [(unit, a["cause_type"]) for unit, a in _by_unit(harness)] == [
        ("YN-KM-01", "complaint.assigned"),
        ("YN-KM", "complaint.transferred"),
    ]
    assert "昆明北京路营业所" in harness.alerts(CID)[1]["message"]  # handed from
    assert harness.tables.facts[CID].handoff_told is None


def _by_unit(harness):
    return [(a["recipient_unit"], a) for a in harness.alerts(CID)]


async def test_a_warning_tells_the_owner_and_expires_at_its_due_time(harness, received):
    await harness.handle(CID, received())
    await harness.handle(CID, assigned("YN-KM-01"))
    event = warning(harness)
    await harness.handle(CID, event)
    alerts = harness.alerts(CID)
    assert [(a["cause_type"], a["clock"]) for a in alerts[1:]] == [("sla.warning", "resolve")]
    # Not sent after its due time (the dispatcher supersedes it); an assignment never expires.
    assert [a["expires_at"] for a in alerts] == [None, event.due_at]


async def test_a_burst_past_the_rate_limit_is_folded_into_one_digest(harness, received):
    await harness.handle(CID, received())
    await harness.handle(CID, assigned("YN-KM-01"))  # the first of 3 in the window
    for minutes in (10, 20, 30, 40):
        await harness.handle(CID, warning(harness, in_=timedelta(minutes=minutes)))
    statuses = [status for _, _, status in harness.told(CID)]
    assert statuses == ["pending", "pending", "pending", "folded", "folded"]
    folded = [a for a in harness.alerts(CID) if a["status"] == "folded"]
    digest = harness.delivery_of(folded[0])
    assert folded[1]["delivery_id"] == digest["delivery_id"] and digest["kind"] == "digest"
    assert digest["next_attempt_at"] == harness.now + timedelta(minutes=10)  # window's end
    # A new window: alone again, and a new digest when it too is spent.
    harness.now += timedelta(minutes=10)
    await harness.handle(CID, warning(harness))
    assert harness.told(CID)[-1][2] == "pending"


async def test_a_breach_is_never_folded(harness, received):
    await harness.handle(CID, received())
    for minutes in (10, 20, 30):
        await harness.handle(CID, warning(harness, in_=timedelta(minutes=minutes)))
    breach = s.SlaBreached(clock="resolve", owner_unit="YN-KM-01", due_at=harness.now)
    await harness.handle(CID, breach)
    assert harness.told(CID)[-1] == ("YN-KM-01", "owner", "pending")


async def test_a_resolution_tells_the_receiving_unit_unless_it_resolved_it_itself(
    harness, received
):
    await harness.handle(CID, received())
    await harness.handle(CID, assigned("YN-KM"))
    resolved = c.Resolved(unit="YN-KM", at=harness.now, posted_by="YN-KM", reply="done")
    await harness.handle(CID, resolved)
    assert harness.told(CID)[-1] == ("YN-KM-01", "receiver", "pending")
    other = "c-2"
    await harness.handle(other, received())
    await harness.handle(other, assigned("YN-KM-01"))
    await harness.handle(
        other, c.Resolved(unit="YN-KM-01", at=harness.now, posted_by="YN-KM-01", reply="done")
    )
    assert [role for _, role, _ in harness.told(other)] == ["owner"]


async def test_events_folded_for_the_facts_only_tell_nobody(harness, received):
    await harness.handle(CID, received())
    started = s.ClockStarted(
        clock="resolve",
        owner_unit="YN-KM-02",
        started_at=harness.now,
        due_at=harness.now + timedelta(hours=7),
        budget_seconds=7 * 3600,
        calendar="cn",
    )
    await harness.handle(CID, started)
    accepted = c.ComplaintAccepted(unit="YN-KM-01", at=harness.now, posted_by="YN-KM-01")
    await harness.handle(CID, accepted)
    assert harness.alerts(CID) == []
    assert "YN-KM-02" in harness.tables.facts[CID].state.involvement.involved


async def test_an_erasure_drops_the_masked_customer_from_the_facts_and_the_alerts(
    harness, received
):
    await harness.handle(CID, received())
    await harness.handle(CID, assigned("YN-KM-01"))
    assert MASKED in harness.alerts(CID)[0]["message"]
    erased = p.PersonalDataErased(unit="YN", posted_by="YN", at=harness.now, reason="asked")
    await harness.handle(CID, erased)
    assert harness.tables.facts[CID].customer == ""
    assert harness.tables.facts[CID].receiving_unit == "YN-KM-01"  # the complaint stays
    for alert in harness.alerts(CID):
        assert MASKED not in alert["message"] and "—" in alert["message"]
