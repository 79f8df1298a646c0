"""Registering complaints and recording actions, on the in-memory command store: idempotency
keys, the shared authority rules under the complaint's lock, and nothing recorded on refusal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.sealing import open_sealed, unwrap_key
from complaints_shared.workflow.lifecycle import from_json
from intake.domain.customers import customer_key
from intake.domain.personal_data import Contact
from intake.service_layer.submissions import (
    SOURCE,
    ActionRefused,
    IdempotencyConflict,
    Recorded,
    Submissions,
    UnknownComplaint,
    fold_foreign,
)
from intake.testing import FakeCommandStore

from .events import MASTER_KEY, ORG, T0, action, assigned, at, envelope, registration

SECRET = b"test-customer-key"


@pytest.fixture
def store() -> FakeCommandStore:
    return FakeCommandStore()


@pytest.fixture
def submissions(store: FakeCommandStore) -> Submissions:
    return Submissions(store.transaction, ORG, customer_secret=SECRET, master_key=MASTER_KEY)


async def submit(
    submissions: Submissions, caller: str = "YN-KM-01", key: str | None = None, **overrides: Any
) -> Recorded:
    registered = registration(**overrides)
    return await submissions.submit_complaint(
        caller=caller,
        registration=registered,
        received_at=registered.received_at,
        key=key,
        body=registered.model_dump(mode="json", exclude={"posted_by"}),
    )


async def act(
    submissions: Submissions,
    complaint_id: str,
    name: str,
    unit: str,
    *,
    caller: str | None = None,
    key: str | None = None,
    **data: Any,
) -> Recorded:
    event = action(name, unit, at(5), **data)
    body = {"type": name, **event.model_dump(mode="json", exclude={"posted_by"})}
    return await submissions.record_action(
        caller=caller or unit,
        complaint_id=complaint_id,
        action=name,
        event=event,
        at=event.at,
        key=key,
        body=body,
    )


async def routed(store: FakeCommandStore, complaint_id: str, owner: str) -> None:
    """Routing's assignment, folded in as the consumer does."""
    await fold_foreign(store, envelope(complaint_id, assigned(owner)), assigned(owner))


def status(store: FakeCommandStore, complaint_id: str) -> str:
    state = store.complaints[complaint_id].state
    assert state is not None
    return from_json(state).status


async def test_a_complaint_is_registered_with_its_state_and_its_event(store, submissions):
    recorded = await submit(submissions)
    row = store.complaints[recorded.complaint_id]
    assert (row.receiving_unit, row.posted_by, row.received_event_id) == (
        "YN-KM-01",
        "YN-KM-01",
        recorded.event_id,
    )
    assert status(store, recorded.complaint_id) == "received"
    [sent] = store.outbox
    assert (sent.id, sent.subject, sent.source, sent.type) == (
        recorded.event_id,
        recorded.complaint_id,
        SOURCE,
        "complaint.received.v2",
    )
    assert sent.time == T0 and sent.correlation_id == sent.id
    assert not recorded.replayed


async def test_the_same_key_and_body_return_the_same_ids_and_record_once(store, submissions):
    first = await submit(submissions, key="k1")
    again = await submit(submissions, key="k1")
    assert (again.complaint_id, again.event_id, again.replayed) == (
        first.complaint_id,
        first.event_id,
        True,
    )
    assert list(store.complaints) == [first.complaint_id]
    assert len(store.outbox) == 1


async def test_the_same_key_with_another_body_is_a_conflict(store, submissions):
    await submit(submissions, key="k1")
    with pytest.raises(IdempotencyConflict):
        await submit(submissions, key="k1", summary="another story")
    assert len(store.complaints) == 1 and len(store.outbox) == 1


async def test_keys_are_per_caller(store, submissions):
    first = await submit(submissions, key="k1")
    other = await submit(submissions, caller="YN-KM", key="k1")
    assert other.complaint_id != first.complaint_id and not other.replayed


async def test_an_action_on_an_unknown_complaint(store, submissions):
    with pytest.raises(UnknownComplaint):
        await act(submissions, "nope", "note", "YN-KM-01", text="hello")
    assert store.outbox == [] and store.keys == {}


async def test_an_allowed_action_is_folded_into_the_state_and_appended(store, submissions):
    complaint = await submit(submissions)
    await routed(store, complaint.complaint_id, "YN-KM-01")
    assert status(store, complaint.complaint_id) == "assigned"
    recorded = await act(submissions, complaint.complaint_id, "accepted", "YN-KM-01")
    assert status(store, complaint.complaint_id) == "in_progress"
    sent: Envelope = store.outbox[-1]
    assert (sent.id, sent.type, sent.subject) == (
        recorded.event_id,
        "complaint.accepted.v1",
        complaint.complaint_id,
    )
    assert sent.correlation_id == complaint.event_id  # the complaint's received event
    assert sent.time == at(5)


REFUSALS = [
    # (caller, acting as, action, data, status, retry): the workflow's checks, in their order.
    ("YN-DL", "YN-DL", "note", {"text": "x"}, 404, False),  # another branch: may not see it
    ("YN-KM-02", "YN-KM-02", "note", {"text": "x"}, 404, False),  # a sibling outlet
    ("YN-KM", "YN-DL-01", "note", {"text": "x"}, 403, False),  # acting as a unit not below it
    ("YN-KM", "YN-KM-CARDS", "accepted", {}, 403, False),  # neither owner nor above it
    ("YN-KM-01", "YN-KM-01", "resolved", {"reply": "done"}, 409, False),  # not yet accepted
]


@pytest.mark.parametrize(("caller", "unit", "name", "data", "code", "retry"), REFUSALS)
async def test_a_refused_action_records_nothing(
    store, submissions, caller, unit, name, data, code, retry
):
    complaint = await submit(submissions)
    await routed(store, complaint.complaint_id, "YN-KM-01")
    before = (dict(store.complaints), list(store.outbox), dict(store.keys))
    with pytest.raises(ActionRefused) as refused:
        await act(submissions, complaint.complaint_id, name, unit, caller=caller, key="k", **data)
    assert (refused.value.refused.status, refused.value.refused.retry) == (code, retry)
    assert (dict(store.complaints), list(store.outbox), dict(store.keys)) == before
    if code == 409:
        assert refused.value.refused.complaint_status == "assigned"
        assert "accepted" in refused.value.refused.allowed_actions


async def test_an_action_before_routing_named_the_owner_is_a_conflict_to_retry(store, submissions):
    complaint = await submit(submissions)
    with pytest.raises(ActionRefused) as refused:
        await act(submissions, complaint.complaint_id, "accepted", "YN-KM-01")
    assert (refused.value.refused.status, refused.value.refused.retry) == (409, True)
    assert status(store, complaint.complaint_id) == "received" and len(store.outbox) == 1


async def test_a_refused_action_leaves_its_key_unclaimed(store, submissions):
    complaint = await submit(submissions)
    await routed(store, complaint.complaint_id, "YN-KM-01")
    with pytest.raises(ActionRefused):
        await act(submissions, complaint.complaint_id, "resolved", "YN-KM-01", key="k", reply="x")
    recorded = await act(submissions, complaint.complaint_id, "accepted", "YN-KM-01", key="k")
    assert not recorded.replayed and status(store, complaint.complaint_id) == "in_progress"


async def test_a_replayed_action_returns_the_same_ids_and_folds_once(store, submissions):
    complaint = await submit(submissions)
    await routed(store, complaint.complaint_id, "YN-KM-01")
    first = await act(submissions, complaint.complaint_id, "accepted", "YN-KM-01", key="a")
    again = await act(submissions, complaint.complaint_id, "accepted", "YN-KM-01", key="a")
    assert (again.event_id, again.replayed) == (first.event_id, True)
    assert len(store.outbox) == 2  # received, accepted
    with pytest.raises(IdempotencyConflict):
        await act(submissions, complaint.complaint_id, "note", "YN-KM-01", key="a", text="x")


async def test_a_second_resolution_right_after_the_first_is_refused(store, submissions):
    complaint = await submit(submissions)
    await routed(store, complaint.complaint_id, "YN-KM-01")
    await act(submissions, complaint.complaint_id, "accepted", "YN-KM-01")
    await act(submissions, complaint.complaint_id, "resolved", "YN-KM-01", reply="refunded")
    with pytest.raises(ActionRefused) as refused:
        await act(submissions, complaint.complaint_id, "resolved", "YN-KM-01", reply="again")
    assert refused.value.refused.status == 409
    assert status(store, complaint.complaint_id) == "resolved"


async def test_other_services_events_fold_in_but_intakes_own_do_not_twice(store, submissions):
    complaint = await submit(submissions)
    own = envelope(complaint.complaint_id, assigned("YN-KM-01"), source=SOURCE)
    await fold_foreign(store, own, assigned("YN-KM-01"))
    assert status(store, complaint.complaint_id) == "received"
    await fold_foreign(store, envelope("unknown", assigned("YN-KM-01")), assigned("YN-KM-01"))
    assert "unknown" not in store.complaints
    await routed(store, complaint.complaint_id, "YN-KM-01")
    assert status(store, complaint.complaint_id) == "assigned"


def prior(store: FakeCommandStore, recorded: Recorded) -> int:
    [sent] = [e for e in store.outbox if e.id == recorded.event_id]
    return sent.data["prior_complaints"]


def customer(phone: str, name: str = "张三丰") -> Contact:
    return Contact(name=name, phone=phone)


async def test_a_repeat_complainant_is_recognised_however_the_phone_is_written(store, submissions):
    phones = ["+86 138 0013 8000", "13800138000", "138-0013-8000"]
    counts = []
    for minutes, phone in enumerate(phones):
        recorded = await submit(submissions, when=at(minutes), customer=customer(phone))
        counts.append(prior(store, recorded))
    assert counts == [0, 1, 2]
    other = await submit(submissions, when=at(10), customer=customer("13900139000"))
    assert prior(store, other) == 0


async def test_only_the_twelve_months_before_count(store, submissions):
    phone = customer("13800138000")
    year_before = T0.replace(year=T0.year - 1)
    await submit(submissions, when=year_before - timedelta(days=31), customer=phone)
    now = await submit(submissions, when=T0, customer=phone)
    assert prior(store, now) == 0  # received 13 months earlier: does not count
    edge = await submit(submissions, when=year_before, customer=phone)  # registered late
    assert prior(store, edge) == 1  # the one a month before it
    later = await submit(submissions, when=at(60), customer=phone)
    assert prior(store, later) == 1  # `now`; `edge` lies 12 months and an hour before
    same = await submit(submissions, when=T0, customer=phone)
    assert prior(store, same) == 1  # `edge`, exactly 12 months before; not `now`, not before


async def test_an_inquiry_sees_the_count_but_does_not_count(store, submissions):
    phone = customer("13800138000")
    await submit(submissions, when=at(0), customer=phone)
    inquiry = await submit(submissions, when=at(1), customer=phone, kind="inquiry")
    assert prior(store, inquiry) == 1
    again = await submit(submissions, when=at(2), customer=phone)
    assert prior(store, again) == 1


async def test_the_customer_is_kept_by_key_only_and_nothing_of_it_in_a_replay(store, submissions):
    first = await submit(submissions, key="k1", customer=customer("+86 138 0013 8000"))
    again = await submit(submissions, key="k1", customer=customer("+86 138 0013 8000"))
    assert again.replayed and list(store.customers) == [first.complaint_id]
    [row] = store.customers.values()
    assert row.customer_key == customer_key("13800138000", SECRET)
    assert "13800138000" not in row.customer_key and row.received_at == T0
    other_secret = Submissions(
        store.transaction, ORG, customer_secret=b"another secret", master_key=MASTER_KEY
    )
    recorded = await submit(other_secret, when=at(1), customer=customer("13800138000"))
    assert prior(store, recorded) == 0  # another secret: another key


async def test_a_refused_registration_leaves_no_customer(store, submissions):
    await submit(submissions, key="k1")
    with pytest.raises(IdempotencyConflict):
        await submit(submissions, key="k1", summary="another story")
    assert len(store.customers) == 1


async def test_the_event_carries_the_customer_masked_and_the_account_sealed(store, submissions):
    recorded = await submit(
        submissions,
        customer=Contact(name="张三丰", phone="+86 138 0013 8000", email="zhang@example.cn"),
        summary="张三丰 says the machine swallowed the card",
        asks_for="the card back",
    )
    [sent] = store.outbox
    text = str(sent.data)
    for clear in ("张三丰", "0013", "zhang@", "swallowed", "card back"):
        assert clear not in text
    assert sent.data["customer"] == {
        "name": "张**",
        "phone": "*********8000",
        "key_customer": False,
    }
    sealed = c.Sealed.model_validate(sent.data["sealed"])
    assert sealed.key_id == recorded.complaint_id
    row = store.complaints[recorded.complaint_id]
    assert row.sealed == sent.data["sealed"]  # the command side keeps the sealed value only
    wrapped = store.data_keys[recorded.complaint_id]
    data = c.PersonalData.model_validate_json(open_sealed(unwrap_key(MASTER_KEY, wrapped), sealed))
    assert (data.name, data.phone, data.email) == (
        "张三丰",
        "+86 138 0013 8000",
        "zhang@example.cn",
    )
    assert (data.summary, data.asks_for) == (
        "张三丰 says the machine swallowed the card",
        "the card back",
    )


async def test_a_replayed_registration_keeps_the_first_data_key(store, submissions):
    first = await submit(submissions, key="k1")
    again = await submit(submissions, key="k1")
    assert again.replayed and list(store.data_keys) == [first.complaint_id]
