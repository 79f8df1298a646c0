"""The event catalogue: versioned names, every event of the contract, parsing and upcasting."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from complaints_shared.contracts.complaint_events import ComplaintReceived, NoteAdded, Resolved
from complaints_shared.contracts.envelope import Envelope, MalformedEvent
from complaints_shared.contracts.registry import CATALOGUE, UPCASTERS, envelope_data, parse

EXPECTED = {
    "complaint.received",
    *(
        f"complaint.{action}"
        for action in (
            "accepted",
            "transfer_requested",
            "customer_contacted",
            "deadline_committed",
            "waiting_on_customer",
            "customer_responded",
            "classified",
            "resolved",
            "return_visit_recorded",
            "reopened",
            "closed",
            "note",
        )
    ),
    "complaint.assigned",
    "complaint.transferred",
    "complaint.escalated",
    "sla.clock_started",
    "sla.warning",
    "sla.breached",
    "sla.clock_stopped",
    "notification.sent",
    "notification.failed",
    "personal_data.read",
    "personal_data.erased",
}
AT = "2026-11-23T10:15:00+08:00"


def envelope(type: str, data: dict) -> Envelope:
    return Envelope(
        id="evt-1",
        source="test",
        type=type,
        subject="cmp-1",
        time=datetime(2026, 11, 23, 2, 15, tzinfo=UTC),
        data=data,
    )


def test_every_catalogue_entry_is_named_name_dot_version():
    for type_name, cls in CATALOGUE.items():
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+\.v[0-9]+", type_name), type_name
        assert type_name == f"{cls.NAME}.v{cls.VERSION}"


def test_the_catalogue_holds_every_event_of_the_contract():
    names = {type_name.rsplit(".v", 1)[0] for type_name in CATALOGUE}
    assert EXPECTED <= names, EXPECTED - names


def test_parse_returns_none_for_an_unknown_type():
    assert parse(envelope("complaint.teleported.v1", {"anything": 1})) is None
    assert parse(envelope("complaint.note.v99", {})) is None


def test_parse_returns_the_typed_event():
    data = {"unit": "YN-KM", "at": AT, "posted_by": "YN-KM", "text": "called back"}
    event = parse(envelope("complaint.note.v1", data))
    assert isinstance(event, NoteAdded)
    assert (event.unit, event.text, event.at.utcoffset().total_seconds()) == (
        "YN-KM",
        "called back",
        8 * 3600,
    )


def test_parse_names_every_bad_field():
    data = {"at": "2026-11-23T10:15:00", "posted_by": "YN-KM", "satisfaction": 9}
    with pytest.raises(MalformedEvent) as caught:
        parse(envelope("complaint.return_visit_recorded.v1", data))
    message = str(caught.value)
    assert message.startswith("complaint.return_visit_recorded.v1: invalid data")
    for field in ("unit", "at", "satisfaction"):
        assert re.search(rf"\b{field}\b", message), (field, message)
    assert "posted_by" not in message


def test_parse_names_a_nested_bad_field_by_its_path():
    data = envelope_data(received())
    data["sealed"]["nonce"] = ""
    with pytest.raises(MalformedEvent, match=r"sealed\.nonce"):
        parse(envelope("complaint.received.v2", data))


def test_parse_ignores_unknown_extra_fields():
    data = {**envelope_data(received()), "added_in_a_later_minor_version": True}
    assert parse(envelope("complaint.received.v2", data)) == received()


def test_parse_applies_a_registered_upcaster(monkeypatch):
    def rename_body_to_text(old: dict) -> dict:
        new = dict(old)
        new["text"] = new.pop("body")
        return new

    monkeypatch.setitem(UPCASTERS, "complaint.note.v0", (rename_body_to_text, "complaint.note.v1"))
    old = {"unit": "YN-KM", "at": AT, "posted_by": "YN-KM", "body": "written before v1"}
    event = parse(envelope("complaint.note.v0", old))
    assert isinstance(event, NoteAdded)
    assert event.text == "written before v1"


def test_upcasters_chain_across_versions(monkeypatch):
    monkeypatch.setitem(
        UPCASTERS, "complaint.note.v-1", (lambda d: {**d, "body": d["words"]}, "complaint.note.v0")
    )
    monkeypatch.setitem(
        UPCASTERS, "complaint.note.v0", (lambda d: {**d, "text": d["body"]}, "complaint.note.v1")
    )
    old = {"unit": "YN-KM", "at": AT, "posted_by": "YN-KM", "words": "very old"}
    assert parse(envelope("complaint.note.v-1", old)).text == "very old"


def received() -> ComplaintReceived:
    return ComplaintReceived(
        kind="complaint",
        channel="hotline",
        receiving_unit="YN-KM",
        business_line="cards",
        received_at=AT,
        customer={"name": "张**", "phone": "*******0000", "key_customer": True},
        sealed={"key_id": "cmp-1", "nonce": "bm9uY2U=", "ciphertext": "c2VhbGVk"},
        posted_by="YN-KM",
        prior_complaints=2,
    )


def test_a_version_1_receipt_is_upcast_masked_without_the_account():
    v1 = {
        "kind": "complaint",
        "channel": "hotline",
        "receiving_unit": "YN-KM",
        "business_line": "cards",
        "received_at": AT,
        "customer": {
            "name": "张三丰",
            "phone": "+86 138 0013 8000",
            "email": "zhang@example.cn",
            "key_customer": True,
        },
        "summary": "张三丰 (138 0013 8000) says the card was swallowed",
        "asks_for": "the card back",
        "posted_by": "YN-KM",
        "prior_complaints": 1,
    }
    event = parse(envelope("complaint.received.v1", v1))
    assert isinstance(event, ComplaintReceived)
    assert event.customer.model_dump() == {
        "name": "张**",
        "phone": "*********8000",
        "key_customer": True,
    }
    assert event.sealed is None
    assert event.prior_complaints == 1
    dumped = str(event.model_dump(mode="json"))
    for clear in ("张三丰", "0013", "zhang@", "swallowed", "card back"):
        assert clear not in dumped
    assert v1["customer"]["name"] == "张三丰"  # the record itself is left alone


def test_a_version_2_receipt_carries_no_clear_account_fields():
    fields = set(ComplaintReceived.model_fields)
    assert {"summary", "asks_for"}.isdisjoint(fields)
    assert set(ComplaintReceived.model_fields["customer"].annotation.model_fields) == {
        "name",
        "phone",
        "key_customer",
    }


def test_an_old_resolved_event_is_upcast_with_empty_cause_and_actions():
    data = {
        "unit": "YN-KM-01",
        "at": "2026-11-23T10:00:00+08:00",
        "posted_by": "YN-KM-01",
        "reply": "已退款",
    }
    event = parse(envelope("complaint.resolved.v1", data))
    assert isinstance(event, Resolved)
    assert (event.reply, event.cause, event.actions_taken) == ("已退款", None, None)
    assert event.type_name() == "complaint.resolved.v2"
