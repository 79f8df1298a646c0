"""The registration body: the customer's optional email and key-customer mark, what the
customer asks for, all carried into the received event as the API builds it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from complaints_shared.workflow.lifecycle import OPEN
from intake.domain.personal_data import Registration
from intake.entrypoints.schemas import ComplaintCreate
from intake.entrypoints.worklist_params import STATUSES, statuses_of

BODY: dict[str, Any] = {
    "kind": "complaint",
    "channel": "hotline",
    "receiving_unit": "YN-KM-01",
    "business_line": "cards",
    "received_at": "2026-11-23T10:15:00+08:00",
    "customer": {"name": "张三", "phone": "+86 138 0013 8000"},
    "summary": "Card blocked without notice",
}


def body(**customer: Any) -> dict[str, Any]:
    return {**BODY, "customer": {**BODY["customer"], **customer}}


def test_the_new_fields_reach_the_registration_and_only_masked_or_sealed_the_event():
    create = ComplaintCreate.model_validate(
        {
            **body(email="zhang.san@example.com.cn", key_customer=True),
            "category": "attitude",
            "asks_for": "an apology and a refund",
        }
    )
    registration = Registration(**create.model_dump(), posted_by="YN-KM-01")
    data = registration.personal_data()
    assert data.email == "zhang.san@example.com.cn" and registration.customer.key_customer
    assert (data.summary, data.asks_for) == (
        "Card blocked without notice",
        "an apology and a refund",
    )
    event = registration.received_event(None, 0)
    assert event.customer.model_dump() == {
        "name": "张**",
        "phone": "*********8000",
        "key_customer": True,
    }
    assert event.category == "attitude"
    assert event.prior_complaints == 0  # intake counts them when it registers the complaint


def test_defaults():
    create = ComplaintCreate.model_validate(BODY)
    assert create.customer.email is None and create.customer.key_customer is False
    assert create.asks_for is None and create.category == "other"


@pytest.mark.parametrize(
    "email", ["zhang", "zhang@example", "zhang san@example.com", "a@b@c.cn", "x" * 250 + "@a.cn"]
)
def test_an_email_must_look_like_one(email):
    with pytest.raises(ValidationError):
        ComplaintCreate.model_validate(body(email=email))


@pytest.mark.parametrize("asks_for", ["", "x" * 2001])
def test_asks_for_is_bounded(asks_for):
    with pytest.raises(ValidationError):
        ComplaintCreate.model_validate({**BODY, "asks_for": asks_for})


def test_the_dissatisfied_list_spans_every_status_unless_statuses_are_given():
    assert statuses_of(None) == OPEN
    assert statuses_of(None, dissatisfied=True) == STATUSES
    assert statuses_of(["closed"], dissatisfied=True) == ("closed",)
