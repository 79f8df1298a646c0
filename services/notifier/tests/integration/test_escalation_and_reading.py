"""A breach and routing's escalation of it, and who may read a complaint's alerts, against a
real PostgreSQL, broker, SMTP server and HTTP receiver (conftest's organisation: province P
with supervision line P-SUP, branch P-B, outlets P-B-01 (Asia/Urumqi) to P-B-06)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import new_id

pytestmark = pytest.mark.integration
# The customer as `complaint.received` carries it: masked (the contact itself is sealed).
CUSTOMER = c.Customer(name="欧**", phone="*********5678")


def received(unit: str, flags: tuple[str, ...] = ()) -> c.ComplaintReceived:
    return c.ComplaintReceived(
        kind="complaint",
        channel="on_site",
        receiving_unit=unit,
        business_line="cards",
        received_at=datetime.now(UTC) - timedelta(minutes=5),
        flags=list(flags),
        customer=CUSTOMER,
        summary="s",
        posted_by=unit,
    )


def assigned(owner: str, **more) -> r.ComplaintAssigned:
    return r.ComplaintAssigned(
        owner_unit=owner, handling_level="branch", rule="t", reason="t", **more
    )


def escalated(owner: str, to_unit: str) -> r.ComplaintEscalated:
    return r.ComplaintEscalated(from_unit=owner, to_unit=to_unit, clock="resolve", reason="t")


async def test_a_breach_tells_the_owner_and_its_escalation_the_accountable_unit_then_wider(
    notifier, event, eventually
):
    # conftest: the owner at once, above the accountable unit when 30 min late, P-SUP at 3 s.
    long_late, just_late, met_in_time, unseen = new_id(), new_id(), new_id(), new_id()
    envelopes = []
    for cid, late in ((long_late, timedelta(hours=3)), (just_late, timedelta(0))):
        due = datetime.now(UTC) - late
        breach = s.SlaBreached(clock="resolve", owner_unit="P-B-05", due_at=due)
        envelopes += [
            event(cid, breach, time=due),
            event(cid, escalated("P-B-05", "P-B"), time=due),  # routing: the breach's time
        ]
    due = datetime.now(UTC)
    stop = s.ClockStopped(
        clock="resolve",
        owner_unit="P-B-05",
        outcome="met",
        stopped_at=due + timedelta(seconds=1),
        late=True,
    )
    envelopes += [
        event(met_in_time, s.SlaBreached(clock="resolve", owner_unit="P-B-05", due_at=due)),
        event(met_in_time, escalated("P-B-05", "P-B"), time=due),
        event(met_in_time, stop),
        # An escalation whose breach the notifier never saw: the owner is told with it.
        event(unseen, escalated("P-B-05", "P-B"), time=datetime.now(UTC) - timedelta(hours=1)),
    ]
    await notifier.produce(*envelopes)

    def mails(cid: str, unit: str) -> list:
        return [m for m in notifier.mailbox.to(notifier.email(unit)) if cid in m.subject]

    def units_told(cid: str) -> set[str]:
        return {unit for unit in ("P-B-05", "P-B", "P", "P-SUP") if mails(cid, unit)}

    await eventually(
        lambda: units_told(long_late) == {"P-B-05", "P-B", "P", "P-SUP"}, what="everybody"
    )
    await eventually(
        lambda: units_told(just_late) == {"P-B-05", "P-B", "P-SUP"}, what="the supervision line"
    )
    await eventually(
        lambda: units_told(unseen) == {"P-B-05", "P-B", "P", "P-SUP"}, what="unseen breach"
    )
    await eventually(lambda: units_told(met_in_time) == {"P-B-05", "P-B"}, what="met in time")

    # Each unit once: the owner by the breach, the accountable unit by the escalation.
    listed = [n for n in await notifier.notifications(long_late) if n["channel"] == "email"]
    assert sorted((n["recipient_unit"], n["cause_type"], n["role"]) for n in listed) == [
        ("P", "complaint.escalated", "supervisor"),
        ("P-B", "complaint.escalated", "accountable"),
        ("P-B-05", "sla.breached", "owner"),
        ("P-SUP", "complaint.escalated", "province_supervision"),
    ]
    assert all(len(mails(long_late, unit)) == 1 for unit in ("P-B-05", "P-B", "P", "P-SUP"))
    listed = {n["recipient_unit"]: n for n in await notifier.notifications(just_late)}
    assert listed["P"]["status"] == "pending" and listed["P"]["scheduled_for"]
    listed = await notifier.notifications(unseen)
    assert {(n["recipient_unit"], n["role"]) for n in listed if n["channel"] == "email"} == {
        ("P-B-05", "owner"),
        ("P-B", "accountable"),
        ("P", "supervisor"),
        ("P-SUP", "province_supervision"),
    }
    # The stopped clock called off the steps not yet due; the accountable unit was told.
    listed = await notifier.notifications(met_in_time)
    assert {(n["recipient_unit"], n["status"]) for n in listed if n["channel"] == "email"} == {
        ("P-B-05", "sent"),
        ("P-B", "sent"),
        ("P", "cancelled"),
        ("P-SUP", "cancelled"),
    }
    [accountable] = mails(long_late, "P-B")
    assert "已升级至P-B" in accountable.subject and "到期。责任单位：P-B-05" in accountable.body
    assert "请督办" in accountable.body and "超时至少" not in accountable.body
    # A later step says how long after the due time it is (however late it went out).
    [supervisor] = mails(long_late, "P")
    assert "到期，已超时至少 30分。责任单位：P-B-05" in supervisor.body


async def test_the_alerts_of_a_complaint_are_read_as_the_complaint_is_seen(
    notifier, event, eventually
):
    unknown, plain, restricted = new_id(), new_id(), new_id()
    await notifier.produce(
        event(plain, received("P-B-01")),
        event(plain, assigned("P-B-01")),
        event(restricted, received("P-B-02", ("major_liability",))),
        event(restricted, assigned("P-B-02", restricted=True)),
        event(restricted, escalated("P-B-02", "P-B"), time=datetime.now(UTC) - timedelta(hours=3)),
    )
    await eventually(lambda: notifier.mailbox.to(notifier.email("P-B-01")), what="the owner told")
    await eventually(
        lambda: [m for m in notifier.mailbox.to(notifier.email("P")) if restricted in m.subject],
        what="the restricted escalation told above",
    )

    for cid, unit, status in (
        (unknown, "HQ", 404),
        (plain, "P-B-01", 200),
        (plain, "P-B", 200),  # above the owner
        (plain, "P-SUP", 200),  # supervises its province
        (plain, "P-B-02", 404),  # a sibling
        (restricted, "P-B-02", 200),
        (restricted, "P-B", 200),  # escalated to
        (restricted, "P", 200),  # above an involved unit
        (restricted, "HQ", 200),
        (restricted, "P-B-01", 404),  # a sibling
        (restricted, "P-SUP", 404),  # not involved in a restricted case
        (restricted, "P-CS", 404),
    ):
        response = await notifier.ask(cid, unit)
        assert response.status_code == status, (cid == restricted, unit, response.text)
        if status == 404:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["status"] == 404

    # Only units that may see the restricted complaint were told of it.
    told = {n["recipient_unit"] for n in await notifier.notifications(restricted)}
    assert told == {"P-B-02", "P-B", "P"}

    # Every time in the recipient unit's own offset: P-B-01 keeps Asia/Urumqi, P-B Shanghai.
    listed = await notifier.notifications(plain, "P-B")
    assert listed and all(n["created_at"].endswith("+06:00") for n in listed)
    listed = await notifier.notifications(restricted)
    by_unit = {n["recipient_unit"]: n for n in listed}
    assert by_unit["P-B"]["created_at"].endswith("+08:00")
    # Its step's time (already past: it went out at once), in P's offset.
    assert by_unit["P"]["scheduled_for"].endswith("+08:00")
    await eventually(lambda: _sent_at(notifier, restricted, "P-B"), what="the escalation delivered")
    for n in await notifier.notifications(restricted):
        for name in ("created_at", "sent_at", "scheduled_for"):
            assert n[name] is None or not n[name].endswith("Z"), n


async def _sent_at(notifier, cid: str, unit: str) -> str | None:
    for n in await notifier.notifications(cid):
        if n["recipient_unit"] == unit and n["sent_at"]:
            assert n["sent_at"].endswith("+08:00"), n
            return n["sent_at"]
    return None
