"""Extension requests and decisions on the fake stores: both possible deciders are told of a
request, the owner of the decision, each once."""

from __future__ import annotations

from datetime import UTC, datetime

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts.envelope import new_id

CID = "c-1"
UNTIL = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 18:00 in Kunming
UNTIL_LOCAL = "2026-11-25 18:00 (Asia/Shanghai)"
REASON = "Waiting for the card scheme's chargeback report"


def assigned(owner: str) -> r.ComplaintAssigned:
    return r.ComplaintAssigned(owner_unit=owner, handling_level="branch", rule="t", reason="t")


def requested(harness, unit: str, posted_by: str | None = None) -> c.ExtensionRequested:
    return c.ExtensionRequested(
        unit=unit, at=harness.now, posted_by=posted_by or unit, until=UNTIL, reason=REASON
    )


def decided(harness, unit: str, request_id: str, decision: str) -> c.ExtensionDecided:
    return c.ExtensionDecided(
        unit=unit,
        at=harness.now,
        posted_by=unit,
        request_id=request_id,
        decision=decision,
        reason="Agreed with the customer" if decision == "approved" else "No cause given",
    )


async def _owned_by(harness, received, owner: str, **more) -> None:
    await harness.handle(CID, received(**more))
    await harness.handle(CID, assigned(owner))
    await harness.handle(CID, c.ComplaintAccepted(unit=owner, at=harness.now, posted_by=owner))


def _since(harness, n: int) -> list[tuple[str, str, str]]:
    """(unit, role, status) of the alerts after the first `n`, by unit (an event's alerts are
    recorded in the order of their addresses)."""
    return sorted(harness.told(CID)[n:])


async def test_a_request_of_an_outlet_tells_its_branch_and_the_province_supervision_line(
    harness, received
):
    await _owned_by(harness, received, "YN-KM-01")
    envelope = await harness.handle(CID, requested(harness, "YN-KM-01"))
    assert _since(harness, 1) == [
        ("YN-KM", "extension_decider", "pending"),
        ("YN-SUP", "extension_decider", "pending"),
    ]
    alert = next(a for a in harness.alerts(CID) if a["recipient_unit"] == "YN-SUP")
    assert alert["cause_event_id"] == envelope.id
    assert alert["cause_type"] == "complaint.extension_requested"
    assert UNTIL_LOCAL in alert["subject"] and "昆明北京路营业所" in alert["subject"]
    assert REASON in alert["message"] and REASON not in alert["subject"]  # never in an SMS
    assert "please decide it" in alert["message"]
    assert harness.tables.facts[CID].state.pending_extension.request_id == envelope.id


async def test_a_request_of_a_branch_tells_its_province_and_the_supervision_line(harness, received):
    await _owned_by(harness, received, "YN-KM")
    await harness.handle(CID, requested(harness, "YN-KM"))
    assert _since(harness, 1) == [
        ("YN", "extension_decider", "pending"),
        ("YN-SUP", "extension_decider", "pending"),
    ]


async def test_the_deciders_are_those_of_the_owner_even_when_a_unit_above_asks(harness, received):
    await _owned_by(harness, received, "YN-KM-01")
    await harness.handle(CID, requested(harness, "YN-KM"))  # the branch asks for its outlet
    assert [unit for unit, _, _ in _since(harness, 1)] == ["YN-KM", "YN-SUP"]  # not YN


async def test_without_a_known_owner_the_requesting_unit_stands_for_it(harness, received):
    await harness.handle(CID, received())
    await harness.handle(CID, requested(harness, "YN-KM-01"))
    assert [unit for unit, _, _ in _since(harness, 0)] == ["YN-KM", "YN-SUP"]


async def test_a_restricted_case_never_tells_a_supervision_line_that_is_not_involved(
    harness, received
):
    await _owned_by(harness, received, "YN-KM-01", flags=("major_liability",))
    await harness.handle(CID, requested(harness, "YN-KM-01"))
    assert _since(harness, 1) == [("YN-KM", "extension_decider", "pending")]


async def test_an_approval_tells_the_owner_the_new_deadline_and_the_reason(harness, received):
    await _owned_by(harness, received, "YN-KM-01")
    request = await harness.handle(CID, requested(harness, "YN-KM-01"))
    await harness.handle(CID, decided(harness, "YN-SUP", request.id, "approved"))
    assert _since(harness, 3) == [("YN-KM-01", "owner", "pending")]
    alert = harness.alerts(CID)[3]
    assert alert["cause_type"] == "complaint.extension_decided"
    assert alert["subject"] == "[Complaint c-1] extension approved"
    assert "云南省分公司服务监督热线 approved" in alert["message"]
    assert f"The new deadline is {UNTIL_LOCAL}" in alert["message"]
    assert "Agreed with the customer" in alert["message"]
    state = harness.tables.facts[CID].state
    assert state.pending_extension is None and state.extensions_approved == 1


async def test_a_refusal_tells_the_owner_with_the_reason(harness, received):
    await _owned_by(harness, received, "YN-KM")
    request = await harness.handle(CID, requested(harness, "YN-KM"))
    await harness.handle(CID, decided(harness, "YN", request.id, "refused"))
    assert _since(harness, 3) == [("YN-KM", "owner", "pending")]
    alert = harness.alerts(CID)[3]
    assert alert["subject"] == "[Complaint c-1] extension refused"
    assert "No cause given" in alert["message"] and "new deadline" not in alert["message"]


async def test_a_redelivered_request_or_decision_tells_nobody_twice(harness, received):
    await _owned_by(harness, received, "YN-KM-01")
    request_id, decision_id = new_id(), new_id()
    for _ in range(2):
        await harness.handle(CID, requested(harness, "YN-KM-01"), event_id=request_id)
    for _ in range(2):
        decision = decided(harness, "YN-KM", request_id, "approved")
        await harness.handle(CID, decision, event_id=decision_id)
    assert _since(harness, 1) == [
        ("YN-KM", "extension_decider", "pending"),
        ("YN-KM-01", "owner", "pending"),
        ("YN-SUP", "extension_decider", "pending"),
    ]
    assert len(harness.tables.deliveries) == 4
    assert harness.tables.facts[CID].state.extensions_approved == 1
