"""The `AlertStore` contract: what `SqlAlertStore` and `FakeAlertStore` both do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifier.adapters.alert_store import NewAlert, NewDelivery
from notifier.domain.policy import Window

AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
KEY = "email|yn-km-01@complaints.example"


def alert(alert_id: str, **more) -> NewAlert:
    values = {
        "alert_id": alert_id,
        "complaint_id": "c-1",
        "cause_event_id": "e-1",
        "cause_type": "complaint.escalated",
        "recipient_unit": "YN-KM",
        "channel": "email",
        "recipient": "y***@complaints.example",
        "message": "m",
        "subject": "s",
        "role": "accountable",
        "clock": "resolve",
        "language": "zh",
        "scheduled_for": None,
        "correlation_id": "corr",
        "trace": {"traceparent": "00-abc-def-01"},
    }
    return NewAlert(**(values | more))


def delivery(delivery_id: str, kind: str = "single", due: datetime = AT) -> NewDelivery:
    return NewDelivery(
        delivery_id=delivery_id,
        kind=kind,
        channel="email",
        address="yn-km@complaints.example",
        recipient="y***@complaints.example",
        recipient_unit="YN-KM",
        language="zh",
        next_attempt_at=due,
    )


async def status_of(stores, alert_id: str) -> tuple[str, str | None]:
    row = next(r for r in await stores.reads.alerts_of("c-1") if r["alert_id"] == alert_id)
    return row["status"], row["reason"]


async def test_an_alert_is_added_once(stores):
    assert await stores.alerts.add_alert(alert("a-1"))
    assert not await stores.alerts.add_alert(alert("a-1", message="again"))
    listed = await stores.reads.alerts_of("c-1")
    assert [(r["alert_id"], r["message"], r["status"]) for r in listed] == [("a-1", "m", "pending")]


async def test_a_recipients_first_window_is_empty_until_saved(stores):
    assert await stores.alerts.lock_window(KEY, AT) == (None, None)
    assert await stores.alerts.lock_window(KEY, AT + timedelta(minutes=1)) == (None, None)
    await stores.alerts.save_window(KEY, Window(AT, 1), None)
    assert await stores.alerts.lock_window(KEY, AT + timedelta(minutes=2)) == (Window(AT, 1), None)
    await stores.alerts.save_window(KEY, Window(AT, 3), "digest-1")
    assert await stores.alerts.lock_window(KEY, AT) == (Window(AT, 3), "digest-1")
    assert await stores.alerts.lock_window("sms|other", AT) == (None, None)


async def test_a_delivery_is_added_once_and_pending(stores):
    assert await stores.alerts.lock_delivery_status("d-1") is None
    await stores.alerts.add_delivery(delivery("d-1"))
    await stores.alerts.add_delivery(delivery("d-1", kind="digest", due=AT + timedelta(hours=1)))
    assert await stores.alerts.lock_delivery_status("d-1") == "pending"
    claimed = await stores.deliveries.claim(AT, 10, timedelta(minutes=1))
    assert [(d.delivery_id, d.kind, d.next_attempt_at) for d in claimed] == [("d-1", "single", AT)]


async def test_an_alert_rides_on_its_delivery_pending_or_folded(stores):
    await stores.alerts.add_alert(alert("a-1"))
    await stores.alerts.add_alert(alert("a-2"))
    await stores.alerts.add_delivery(delivery("d-1"))
    await stores.alerts.attach("a-1", "d-1", folded=False)
    await stores.alerts.attach("a-2", "d-1", folded=True)
    assert [a.alert_id for a in await stores.deliveries.open_alerts("d-1")] == ["a-1", "a-2"]
    assert await status_of(stores, "a-1") == ("pending", None)
    assert await status_of(stores, "a-2") == ("folded", None)


async def scheduled_step(
    stores, alert_id: str, after: timedelta, due: timedelta | None = None, **more
) -> None:
    await stores.alerts.add_alert(alert(alert_id, scheduled_for=AT + after, **more))
    await stores.alerts.add_delivery(delivery(alert_id, due=AT + (due or after)))
    await stores.alerts.attach(alert_id, alert_id, folded=False)


async def test_a_stopped_clock_calls_off_only_its_steps_not_yet_due_nor_attempted(stores):
    stop = AT + timedelta(hours=1)
    await scheduled_step(stores, "before-stop", timedelta(minutes=30))
    await scheduled_step(stores, "after-stop", timedelta(hours=2))
    await scheduled_step(stores, "other-clock", timedelta(hours=2), clock="start")
    await scheduled_step(stores, "attempted", timedelta(hours=2), due=timedelta(minutes=90))
    await stores.alerts.add_alert(alert("at-once"))  # not a scheduled step
    await stores.alerts.add_delivery(delivery("at-once"))
    await stores.alerts.attach("at-once", "at-once", folded=False)
    # The attempted step's delivery went out once and waits for its retry.
    claimed = await stores.deliveries.claim(AT + timedelta(minutes=90), 10, timedelta(minutes=1))
    assert {d.delivery_id for d in claimed} == {"before-stop", "attempted", "at-once"}
    attempted = next(d for d in claimed if d.delivery_id == "attempted")
    for other in claimed:
        if other is not attempted:
            assert await stores.deliveries.retry_later(other, AT + timedelta(hours=2), "x")
    await stores.deliveries.retry_later(attempted, AT + timedelta(hours=3), "busy")

    assert await stores.alerts.call_off("c-1", "resolve", stop) == 1
    assert await status_of(stores, "after-stop") == ("cancelled", "the resolve clock stopped first")
    assert await stores.alerts.lock_delivery_status("after-stop") == "cancelled"
    for kept in ("before-stop", "other-clock", "attempted", "at-once"):
        assert (await status_of(stores, kept))[0] == "pending"
        assert await stores.alerts.lock_delivery_status(kept) == "pending"
    assert await stores.alerts.call_off("c-1", "resolve", stop) == 0
    assert await stores.alerts.call_off("c-2", "start", AT) == 0


async def test_forgetting_the_customer_takes_it_out_of_the_complaints_alert_texts(stores):
    told = "投诉 c-1（客户：王** *********8000）已分派"
    assert await stores.alerts.add_alert(alert("a-1", message=told))
    assert await stores.alerts.add_alert(alert("a-2", complaint_id="c-2", message=told))
    await stores.alerts.forget_customer("c-1", "王** *********8000")
    [mine] = await stores.reads.alerts_of("c-1")
    [other] = await stores.reads.alerts_of("c-2")
    assert mine["message"] == "投诉 c-1（客户：—）已分派"
    assert other["message"] == told


async def warning(stores, alert_id: str, *, clock: str = "resolve", folded: bool = False) -> None:
    """A warning of the clock (it expires at its due time) on a delivery of its own."""
    expires = AT + timedelta(hours=1)
    await stores.alerts.add_alert(
        alert(alert_id, cause_type="sla.warning", role="owner", clock=clock, expires_at=expires)
    )
    await stores.alerts.add_delivery(delivery(alert_id, kind="digest" if folded else "single"))
    await stores.alerts.attach(alert_id, alert_id, folded=folded)


async def test_a_stopped_clock_supersedes_its_warnings_still_waiting(stores):
    await warning(stores, "waiting")
    await warning(stores, "in-a-digest", folded=True)
    await warning(stores, "other-clock", clock="start")
    await warning(stores, "going-out")
    await stores.alerts.add_alert(alert("no-warning"))  # an escalation sent at once
    await stores.alerts.add_delivery(delivery("no-warning"))
    await stores.alerts.attach("no-warning", "no-warning", folded=False)
    # A dispatcher claims everything, then gives back all but "going-out".
    claimed = await stores.deliveries.claim(AT, 10, timedelta(minutes=1))
    for other in claimed:
        if other.delivery_id != "going-out":
            assert await stores.deliveries.retry_later(other, AT, "x")

    assert await stores.alerts.call_off("c-1", "resolve", AT) == 0  # no scheduled step
    stopped = ("superseded", "the resolve clock stopped first")
    assert await status_of(stores, "waiting") == stopped
    assert await status_of(stores, "in-a-digest") == stopped
    for kept in ("other-clock", "going-out", "no-warning"):
        assert (await status_of(stores, kept))[0] == "pending"
    # Its delivery is left to the dispatcher: nothing to carry, it is cancelled when claimed.
    assert await stores.alerts.lock_delivery_status("waiting") == "pending"
    assert await stores.deliveries.open_alerts("waiting") == []
