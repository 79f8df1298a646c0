"""No alert carries a handler's name (docs/workflow.md "Handler names"): the events that name
one (a sign-for, a warning, a breach, an extension request and its decision) tell the owner,
the units above it, the province's supervision line and the extension deciders, and none of
their texts names the member of staff, in clear or masked; the staff number neither."""

from __future__ import annotations

from datetime import timedelta

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s

CID = "c-1"
ZHANG = c.HandlerRef(id="e1042", name="张三丰")
ZHAO = c.HandlerRef(id="staff-077", name="赵六")


async def test_no_alert_names_a_handler(harness, received):
    owner = "YN-KM-01"
    await harness.handle(CID, received())
    await harness.handle(
        CID, r.ComplaintAssigned(owner_unit=owner, handling_level="branch", rule="t", reason="t")
    )
    await harness.handle(
        CID, c.ComplaintAccepted(unit=owner, at=harness.now, posted_by=owner, handler=ZHANG)
    )
    due = harness.now + timedelta(hours=1)
    await harness.handle(
        CID,
        s.SlaWarning(
            clock="resolve",
            owner_unit=owner,
            due_at=due,
            point="75%",
            remaining_seconds=3600,
            handler=ZHANG,
        ),
    )
    request = await harness.handle(
        CID,
        c.ExtensionRequested(
            unit=owner,
            at=harness.now,
            posted_by=owner,
            until=due + timedelta(days=1),
            reason="parts on order",
            handler=ZHANG,
        ),
    )
    await harness.handle(
        CID,
        c.ExtensionDecided(
            unit="YN-SUP",
            at=harness.now,
            posted_by="YN-SUP",
            request_id=request.id,
            decision="refused",
            reason="no",
            handler=ZHAO,
        ),
    )
    harness.now = due + timedelta(hours=3)  # past every escalation step
    await harness.handle(
        CID, s.SlaBreached(clock="resolve", owner_unit=owner, due_at=due, handler=ZHANG)
    )
    await harness.handle(
        CID,
        r.ComplaintEscalated(from_unit=owner, to_unit="YN-KM", clock="resolve", reason="t"),
    )
    alerts = harness.alerts(CID)
    told = {a["recipient_unit"] for a in alerts}
    # the owner, the unit above it, the province's supervision line (decider and escalation)
    assert {"YN-KM-01", "YN-KM", "YN-SUP"} <= told
    causes = {a["cause_type"] for a in alerts}
    assert {"sla.warning", "sla.breached", "complaint.extension_requested"} <= causes
    assert "complaint.extension_decided" in causes
    for alert in alerts:
        text = f"{alert['subject']} {alert['message']}"
        for name in ("张三丰", "张*", "赵六", "赵*", "e1042", "staff-077"):
            assert name not in text, (alert["recipient_unit"], alert["cause_type"], name)
