"""Issue 5 "must hold", against a real SMTP server, HTTP receiver, PostgreSQL and broker."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.envelope import new_id
from complaints_shared.contracts.topics import DEAD_LETTERS
from complaints_shared.masking import mask_phone
from notifier.domain.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

pytestmark = pytest.mark.integration
WEBHOOK_SECRET = "notifier-tests-webhook-secret"  # as conftest configures it
# The customer as `complaint.received` carries it: masked (the contact itself is sealed).
CUSTOMER = c.Customer(name="欧**", phone="*********5678")
PLAIN = ("欧阳娜娜", "娜娜", "13812345678", "138 1234 5678", "1234 5678")


def received(unit: str = "P-B-01", **overrides) -> c.ComplaintReceived:
    fields = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": unit,
        "business_line": "cards",
        "received_at": datetime.now(UTC) - timedelta(minutes=5),
        "customer": CUSTOMER,
        "posted_by": unit,
    }
    return c.ComplaintReceived(**(fields | overrides))


def assigned(owner: str) -> r.ComplaintAssigned:
    return r.ComplaintAssigned(owner_unit=owner, handling_level="branch", rule="t", reason="t")


def warning(owner: str, due_in: timedelta = timedelta(hours=1)) -> s.SlaWarning:
    due = datetime.now(UTC) + due_in
    return s.SlaWarning(
        clock="resolve", owner_unit=owner, due_at=due, point="75%", remaining_seconds=3600
    )


def breached(owner: str, late: timedelta, clock: str = "resolve") -> s.SlaBreached:
    return s.SlaBreached(clock=clock, owner_unit=owner, due_at=datetime.now(UTC) - late)


def assert_no_plain_customer(*texts: str) -> None:
    for text in texts:
        for plain in PLAIN:
            assert plain not in text, f"customer data {plain!r} leaked into {text[:300]!r}"


async def test_an_assignment_sends_one_email_one_signed_webhook_and_nothing_on_redelivery(
    notifier, event, eventually, captured_logs
):
    cid = new_id()
    assignment = event(cid, assigned("P-B-01"))
    await notifier.produce(event(cid, received()), assignment)
    email, hook = notifier.email("P-B-01"), notifier.hook("P-B-01")
    mails = await eventually(lambda: notifier.mailbox.to(email), what="the email")
    hooks = await eventually(lambda: notifier.receiver.at(hook), what="the webhook")
    await eventually(lambda: notifier.sms_to("P-B-01"), what="the SMS")

    # Delivered again, then a later event of the same complaint (same partition, after it):
    # once that one's alert is out, the repeat has certainly been consumed.
    await notifier.produce(assignment, event(cid, warning("P-B-01")))
    await eventually(
        lambda: len(notifier.mailbox.to(email)) == 2, what="the warning after the repeat"
    )
    mails, hooks = notifier.mailbox.to(email), notifier.receiver.at(hook)
    assert mails[0].subject == f"【投诉 {cid}】已分派给P-B-01"
    assert mails[1].subject.startswith(f"【投诉 {cid}】办结答复时限将于 ")
    assert len(hooks) == 2 and len(notifier.sms_to("P-B-01")) == 2

    first = mails[0]
    assert f"https://complaints.example/v1/complaints/{cid}" in first.body
    assert "欧**" in first.body and "*******5678" in first.body
    # The warning names the due time in the recipient unit's own time zone.
    assert "(Asia/Urumqi)" in mails[1].body

    request = hooks[0]
    assert request.answered == 200
    assert verify(
        WEBHOOK_SECRET,
        request.headers[TIMESTAMP_HEADER],
        request.body,
        request.headers[SIGNATURE_HEADER],
        now=time.time(),
    )
    assert not verify(
        WEBHOOK_SECRET,
        request.headers[TIMESTAMP_HEADER],
        request.body.replace(b"P-B-01", b"P-B-02"),
        request.headers[SIGNATURE_HEADER],
        now=time.time(),
    )
    assert not verify(  # a replay long after the timestamp is refused
        WEBHOOK_SECRET,
        request.headers[TIMESTAMP_HEADER],
        request.body,
        request.headers[SIGNATURE_HEADER],
        now=time.time() + 3600,
    )
    payload = request.json()
    assert payload["alerts"][0]["complaint_id"] == cid
    assert payload["alerts"][0]["cause_type"] == "complaint.assigned"

    sent = await eventually(
        lambda: _sent_for(notifier, cid, "complaint.assigned", 3),
        what="notification.sent per channel",
    )
    assert {e.data["channel"] for e in sent} == {"email", "webhook", "sms"}
    assert {e.data["recipient"] for e in sent} == {
        "p***@" + email.split("@")[1],
        f"http://127.0.0.1:{notifier.receiver.port}/***",
        mask_phone(notifier.contact("P-B-01")["sms"]),
    }
    assert all(e.data["attempts"] == 1 for e in sent)
    assert all(e.causation_id == assignment.id for e in sent)
    listed = await notifier.notifications(cid)
    assert [(n["cause_type"], n["status"]) for n in listed[:3]] == [
        ("complaint.assigned", "sent")
    ] * 3

    everything = await notifier.read_log()
    assert_no_plain_customer(
        captured_logs.getvalue(),
        *(m.raw for m in notifier.mailbox.mails),
        *(q.body.decode() for q in notifier.receiver.requests),
        *(json.dumps(n, ensure_ascii=False) for n in listed),
        *(r.value.decode() for r in everything if _source(r) != b"/notifier-tests"),
    )
    assert '"delivered"' in captured_logs.getvalue()


def _source(record) -> bytes | None:
    return dict(record.headers).get("ce_source")


async def _sent_for(notifier, cid: str, cause_type: str, count: int):
    sent = [
        e
        for e in await notifier.events(cid, "notification.sent.v1")
        if e.data["cause_type"] == cause_type
    ]
    return sent if len(sent) >= count else None


async def test_a_receiver_that_fails_twice_gets_the_alert_on_the_third_try(
    notifier, event, eventually
):
    cid = new_id()
    await notifier.produce(event(cid, received("P-B-02")), event(cid, assigned("P-B-02")))
    hook = notifier.hook("P-B-02")
    await eventually(lambda: len(notifier.receiver.at(hook)) >= 3, what="three tries")
    assert [q.answered for q in notifier.receiver.at(hook)] == [503, 503, 200]
    # The same delivery each time, so a receiver could drop a repeat.
    assert len({q.headers["X-Complaints-Delivery"] for q in notifier.receiver.at(hook)}) == 1

    async def webhook_sent():
        sent = await notifier.events(cid, "notification.sent.v1")
        return [e for e in sent if e.data["channel"] == "webhook"]

    sent = await eventually(webhook_sent, what="notification.sent of the webhook")
    assert [e.data["attempts"] for e in sent] == [3]
    listed = [n for n in await notifier.notifications(cid) if n["channel"] == "webhook"]
    assert [(n["status"], n["attempts"]) for n in listed] == [("sent", 3)]


async def test_a_receiver_that_always_fails_ends_in_failed_while_other_complaints_flow(
    notifier, event, eventually
):
    doomed, fine = new_id(), [new_id(), new_id()]
    await notifier.produce(event(doomed, assigned("P-B-03")))
    await notifier.produce(*(event(cid, assigned("P-B-04")) for cid in fine))

    async def failed():
        return await notifier.events(doomed, "notification.failed.v1")

    [gave_up] = await eventually(failed, what="notification.failed", within=20)
    # One partition: the other complaints came after the doomed one, and were told while
    # it was still being retried.
    for cid in fine:
        told = await _sent_for(notifier, cid, "complaint.assigned", 3)
        assert told and all(e.time < gave_up.time for e in told)
    assert gave_up.data["channel"] == "webhook"
    assert gave_up.data["attempts"] == 3
    assert gave_up.data["reason"] == "gave up: webhook answered HTTP 500"
    assert gave_up.data["recipient"].endswith("/***")
    assert len(notifier.receiver.at(notifier.hook("P-B-03"))) == 3
    # Email and SMS of the same contact were not held up by the failing webhook.
    assert len(await _sent_for(notifier, doomed, "complaint.assigned", 2)) == 2

    dead = [rec for rec in await notifier.read_log(DEAD_LETTERS) if rec.key == doomed.encode()]
    assert len(dead) == 1
    assert dict(dead[0].headers)["dlq_reason"] == b"gave up: webhook answered HTTP 500"
    assert json.loads(dead[0].value)["attempts"] == 3
    listed = {n["channel"]: n for n in await notifier.notifications(doomed)}
    assert listed["webhook"]["status"] == "failed"
    assert listed["email"]["status"] == "sent"


async def test_a_burst_of_50_warnings_to_one_recipient_arrives_as_a_bounded_number_of_messages(
    notifier, event, eventually
):
    # conftest: at most 3 messages per recipient and 2-second window.
    burst = [new_id() for _ in range(50)]
    urgent = new_id()
    envelopes = [event(cid, warning("P-B-06")) for cid in burst]
    envelopes.insert(25, event(urgent, breached("P-B-06", late=timedelta(hours=3))))
    await notifier.produce(*envelopes)
    email = notifier.email("P-B-06")

    def covered() -> set[str]:
        return {cid for m in notifier.mailbox.to(email) for cid in burst if cid in m.body}

    await eventually(lambda: covered() == set(burst), what="every warning told", within=20)
    mails = notifier.mailbox.to(email)
    digests = [m for m in mails if "条提醒" in m.subject]
    singles = [m for m in mails if m not in digests]
    # 3 at once, the breach never held back, the rest folded into the window's digest
    # (two digests at most if the burst straddled a window's end).
    assert len(singles) <= 3 + 1 + 3 and len(digests) <= 2, [m.subject for m in mails]
    assert len(mails) <= 9
    assert any(urgent in m.subject for m in singles)
    assert sum(m.body.count("\n- ") for m in digests) == 50 - (len(singles) - 1)

    # Every folded warning is recorded as sent, in its own complaint's log.
    sent = await eventually(
        lambda: _sent_for(notifier, burst[-1], "sla.warning", 3), what="the digest's record"
    )
    assert {e.data["channel"] for e in sent} == {"email", "webhook", "sms"}
