"""The `DeliveryStore` contract: what `SqlDeliveryStore` and `FakeDeliveryStore` both do.
Deliveries and their alerts are set up through the `AlertStore`, as recording does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifier.adapters.alert_store import NewAlert, NewDelivery

AT = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
LEASE = timedelta(minutes=1)


async def deliver(
    stores,
    delivery_id: str,
    due: datetime = AT,
    alerts: int = 1,
    expires_at: datetime | None = None,
) -> None:
    """A pending delivery carrying `alerts` warnings (`<delivery_id>/<n>`) that expire at
    `expires_at` (else never)."""
    await stores.alerts.add_delivery(
        NewDelivery(
            delivery_id=delivery_id,
            kind="single" if alerts == 1 else "digest",
            channel="webhook",
            address="https://hooks.example/yn-km",
            recipient="https://hooks.example/***",
            recipient_unit="YN-KM",
            language="en",
            next_attempt_at=due,
        )
    )
    for n in range(alerts):
        alert_id = f"{delivery_id}/{n}"
        await stores.alerts.add_alert(
            NewAlert(
                alert_id=alert_id,
                complaint_id="c-1",
                cause_event_id=f"e-{alert_id}",
                cause_type="sla.warning",
                recipient_unit="YN-KM",
                channel="webhook",
                recipient="https://hooks.example/***",
                message=f"message {alert_id}",
                subject=f"subject {alert_id}",
                role="owner",
                clock="resolve",
                language="en",
                scheduled_for=None,
                correlation_id="corr",
                trace={"traceparent": "00-abc-def-01"},
                expires_at=expires_at if n == 0 else None,
            )
        )
        await stores.alerts.attach(alert_id, delivery_id, folded=alerts > 1)


async def listed(stores) -> dict[str, dict]:
    return {row["alert_id"]: row for row in await stores.reads.alerts_of("c-1")}


async def test_due_deliveries_are_claimed_earliest_first_up_to_the_limit(stores):
    assert await stores.deliveries.next_due() is None
    await deliver(stores, "later", AT + timedelta(minutes=5))
    await deliver(stores, "second", AT - timedelta(minutes=1))
    await deliver(stores, "first", AT - timedelta(minutes=2))
    await deliver(stores, "third", AT)
    assert await stores.deliveries.next_due() == AT - timedelta(minutes=2)
    claimed = await stores.deliveries.claim(AT, 2, LEASE)
    assert [(d.delivery_id, d.attempts) for d in claimed] == [("first", 1), ("second", 1)]
    assert claimed[0].next_attempt_at == AT - timedelta(minutes=2)
    assert claimed[0].address == "https://hooks.example/yn-km" and claimed[0].kind == "single"
    assert [d.delivery_id for d in await stores.deliveries.claim(AT, 10, LEASE)] == ["third"]
    assert await stores.deliveries.claim(AT, 10, LEASE) == []
    # The next thing due: the earliest lease running out.
    assert await stores.deliveries.next_due() == AT + LEASE


async def test_a_delivery_whose_lease_ran_out_is_claimed_again(stores):
    await deliver(stores, "d-1")
    [first] = await stores.deliveries.claim(AT, 10, LEASE)
    assert await stores.deliveries.claim(AT + LEASE, 10, LEASE) == []  # not yet run out
    [again] = await stores.deliveries.claim(AT + LEASE + timedelta(seconds=1), 10, LEASE)
    assert again.delivery_id == "d-1" and again.attempts == 2
    # The first claim is stale: its outcome is not recorded.
    assert await stores.deliveries.mark_sent(first, AT) == []
    assert not await stores.deliveries.retry_later(first, AT, "late")
    assert (await listed(stores))["d-1/0"]["status"] == "pending"


async def test_a_sent_delivery_closes_its_open_alerts(stores):
    await deliver(stores, "digest", alerts=3)
    [claimed] = await stores.deliveries.claim(AT, 10, LEASE)
    carried = await stores.deliveries.open_alerts("digest")
    assert [a.alert_id for a in carried] == ["digest/0", "digest/1", "digest/2"]
    assert carried[0].trace == {"traceparent": "00-abc-def-01"}
    assert carried[0].subject == "subject digest/0" and carried[0].attempts == 0
    sent_at = AT + timedelta(seconds=3)
    told = await stores.deliveries.mark_sent(claimed, sent_at)
    assert [(a.alert_id, a.attempts) for a in told] == [(f"digest/{n}", 1) for n in range(3)]
    assert told[0].correlation_id == "corr" and told[0].cause_event_id == "e-digest/0"
    rows = await listed(stores)
    assert {(r["status"], r["sent_at"], r["attempts"]) for r in rows.values()} == {
        ("sent", sent_at, 1)
    }
    assert await stores.deliveries.open_alerts("digest") == []
    assert await stores.alerts.lock_delivery_status("digest") == "sent"
    assert await stores.deliveries.mark_sent(claimed, sent_at) == []  # recorded once


async def test_a_failed_delivery_fails_its_alerts_with_the_reason(stores):
    await deliver(stores, "d-1")
    [claimed] = await stores.deliveries.claim(AT, 10, LEASE)
    lost = await stores.deliveries.mark_failed(claimed, AT, "webhook answered HTTP 410")
    assert [(a.alert_id, a.attempts) for a in lost] == [("d-1/0", 1)]
    row = (await listed(stores))["d-1/0"]
    assert (row["status"], row["reason"], row["sent_at"]) == (
        "failed",
        "webhook answered HTTP 410",
        None,
    )
    assert await stores.alerts.lock_delivery_status("d-1") == "failed"


async def test_a_retry_waits_until_its_time_with_the_attempt_counted(stores):
    await deliver(stores, "d-1")
    [claimed] = await stores.deliveries.claim(AT, 10, LEASE)
    retry_at = AT + timedelta(seconds=30)
    assert await stores.deliveries.retry_later(claimed, retry_at, "webhook timed out")
    row = (await listed(stores))["d-1/0"]
    assert (row["status"], row["attempts"], row["reason"]) == ("pending", 1, "webhook timed out")
    assert await stores.deliveries.next_due() == retry_at
    assert await stores.deliveries.claim(retry_at - timedelta(seconds=1), 10, LEASE) == []
    [again] = await stores.deliveries.claim(retry_at, 10, LEASE)
    assert again.attempts == 2


async def test_a_delivery_left_with_nothing_to_carry_is_cancelled(stores):
    await deliver(stores, "d-1", alerts=0)
    [claimed] = await stores.deliveries.claim(AT, 10, LEASE)
    assert await stores.deliveries.open_alerts("d-1") == []
    await stores.deliveries.mark_empty(claimed, AT)
    assert await stores.alerts.lock_delivery_status("d-1") == "cancelled"
    assert await stores.deliveries.next_due() is None


async def test_superseded_warnings_leave_the_delivery_and_the_rest_goes_on(stores):
    due = AT - timedelta(minutes=1)
    await deliver(stores, "digest", alerts=2, expires_at=due)
    [claimed] = await stores.deliveries.claim(AT, 10, LEASE)
    carried = await stores.deliveries.open_alerts("digest")
    assert [a.expires_at for a in carried] == [due, None]
    await stores.deliveries.supersede(claimed, ["digest/0"], AT, whole=False)
    rows = await listed(stores)
    assert (rows["digest/0"]["status"], rows["digest/0"]["reason"]) == (
        "superseded",
        "its clock was due before it went out",
    )
    assert [a.alert_id for a in await stores.deliveries.open_alerts("digest")] == ["digest/1"]
    assert await stores.alerts.lock_delivery_status("digest") == "sending"
    assert [a.alert_id for a in await stores.deliveries.mark_sent(claimed, AT)] == ["digest/1"]


async def test_a_delivery_of_superseded_warnings_only_is_superseded_by_its_current_claim(stores):
    await deliver(stores, "d-1", expires_at=AT)
    [stale] = await stores.deliveries.claim(AT, 10, LEASE)
    [current] = await stores.deliveries.claim(AT + 2 * LEASE, 10, LEASE)  # the lease ran out
    await stores.deliveries.supersede(stale, ["d-1/0"], AT, whole=True)
    assert (await listed(stores))["d-1/0"]["status"] == "pending"  # not its claim any more
    await stores.deliveries.supersede(current, ["d-1/0"], AT, whole=True)
    assert (await listed(stores))["d-1/0"]["status"] == "superseded"
    assert await stores.alerts.lock_delivery_status("d-1") == "superseded"
    assert await stores.deliveries.next_due() is None
