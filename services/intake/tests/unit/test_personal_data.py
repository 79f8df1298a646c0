"""The customer's personal data after registration, on the in-memory command store and over
HTTP on the app as `bootstrap` wires it: reading the contact (owner and above; every read on the
log), erasure (province, its customer-service department, HQ; repeatable), the retention period
with an injected clock, and the form's account opened through intake
(docs/domain.md#personal-data, docs/architecture.md#http-contract)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from complaints_shared.contracts.complaint_events import Sealed
from complaints_shared.contracts.envelope import Envelope
from complaints_shared.http.auth import issue_token
from complaints_shared.sealing import InvalidTag, new_data_key, open_sealed
from intake.bootstrap import create_app
from intake.config import IntakeSettings
from intake.domain.personal_data import Contact
from intake.service_layer.personal_data import (
    RETENTION_REASON,
    Forbidden,
    Gone,
    PersonalDataService,
    erase_expired_forever,
)
from intake.service_layer.submissions import Submissions, UnknownComplaint, fold_foreign
from intake.testing import FakeCommandStore

from .events import MASTER_KEY, MASTER_KEY_B64, ORG, T0, assigned, envelope, registration

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "intake-unit-tests-secret-long-enough-for-hs256"
CONTACT = Contact(name="张三丰", phone="+86 138 0013 8000", email="zhang@example.cn")
CLEAR = ("张三丰", "0013", "zhang@", "swallowed")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Desk:
    """The command store with the submissions and the personal-data service on it."""

    def __init__(self) -> None:
        self.store = FakeCommandStore()
        self.clock = Clock(T0 + timedelta(hours=1))
        self.submissions = Submissions(
            self.store.transaction, ORG, customer_secret=b"customer-key", master_key=MASTER_KEY
        )
        self.personal = PersonalDataService(
            self.store.transaction, ORG, master_key=MASTER_KEY, now=self.clock
        )

    async def complaint(self, unit: str = "YN-KM-01", when: datetime = T0) -> str:
        recorded = await self.submissions.submit_complaint(
            caller=unit,
            registration=registration(
                unit, when, customer=CONTACT, summary="card swallowed", asks_for="the card"
            ),
            received_at=when,
            key=None,
            body={},
        )
        cid = recorded.complaint_id
        await fold_foreign(self.store, envelope(cid, assigned(unit)), assigned(unit))
        return cid

    def appended(self, type_name: str) -> list[Envelope]:
        return [e for e in self.store.outbox if e.type == type_name]


@pytest.fixture
def desk() -> Desk:
    return Desk()


# -- reading the contact ----------------------------------------------------------------------
@pytest.mark.parametrize("caller", ["YN-KM-01", "YN-KM", "YN", "HQ"])
async def test_the_owner_and_the_units_above_it_read_the_contact(desk, caller):
    cid = await desk.complaint()
    read = await desk.personal.read_contact(
        caller=caller, complaint_id=cid, reason="call back about the refund"
    )
    assert (read.name, read.phone, read.email) == (
        "张三丰",
        "+86 138 0013 8000",
        "zhang@example.cn",
    )
    [logged] = desk.appended("personal_data.read.v1")
    assert logged.id == read.event_id and logged.subject == cid
    assert logged.data["unit"] == caller and logged.data["posted_by"] == caller
    assert logged.data["reason"] == "call back about the refund"
    assert logged.time == desk.clock.now
    assert not any(clear in str(logged.data) for clear in CLEAR)


async def test_every_read_is_recorded(desk):
    cid = await desk.complaint()
    for _ in range(3):
        await desk.personal.read_contact(caller="YN-KM-01", complaint_id=cid, reason="r")
    assert len(desk.appended("personal_data.read.v1")) == 3


@pytest.mark.parametrize(
    ("caller", "refusal"),
    [
        ("YN-SUP", Forbidden),  # sees every complaint of its province, but is not above the owner
        ("YN-CS", Forbidden),
        ("YN-KM-02", UnknownComplaint),  # a sibling outlet does not see it
        ("GD", UnknownComplaint),
    ],
)
async def test_others_may_not_read_the_contact(desk, caller, refusal):
    cid = await desk.complaint()
    with pytest.raises(refusal):
        await desk.personal.read_contact(caller=caller, complaint_id=cid, reason="curious")
    assert desk.appended("personal_data.read.v1") == []


# -- erasure ----------------------------------------------------------------------------------
@pytest.mark.parametrize("caller", ["YN", "YN-CS", "HQ"])
async def test_the_province_its_customer_service_or_hq_erase(desk, caller):
    cid = await desk.complaint()
    sealed = Sealed.model_validate(desk.store.complaints[cid].sealed)
    assert await desk.personal.erase(caller=caller, complaint_id=cid, reason="customer asked")
    assert cid not in desk.store.data_keys and cid not in desk.store.customers
    assert desk.store.complaints[cid].sealed is None
    assert desk.store.complaints[cid].erased_at == desk.clock.now
    [erased] = desk.appended("personal_data.erased.v1")
    assert erased.data["unit"] == caller and erased.data["reason"] == "customer asked"
    # No key is left to open what the log still holds: any other key fails.
    with pytest.raises(InvalidTag):
        open_sealed(new_data_key(), sealed)
    with pytest.raises(Gone):
        await desk.personal.read_contact(caller="YN-KM-01", complaint_id=cid, reason="r")
    assert await desk.personal.account(cid) is None


async def test_erasing_again_changes_nothing(desk):
    cid = await desk.complaint()
    assert await desk.personal.erase(caller="YN", complaint_id=cid, reason="asked")
    assert not await desk.personal.erase(caller="HQ", complaint_id=cid, reason="asked again")
    assert len(desk.appended("personal_data.erased.v1")) == 1


@pytest.mark.parametrize(
    ("caller", "refusal"),
    [
        ("YN-KM-01", Forbidden),  # the owner may see it, not erase
        ("YN-KM", Forbidden),
        ("YN-SUP", Forbidden),
        ("GD", UnknownComplaint),
        ("GD-CS", UnknownComplaint),
    ],
)
async def test_others_may_not_erase(desk, caller, refusal):
    cid = await desk.complaint()
    with pytest.raises(refusal):
        await desk.personal.erase(caller=caller, complaint_id=cid, reason="no")
    assert cid in desk.store.data_keys and desk.appended("personal_data.erased.v1") == []


async def test_the_form_account_opens_for_a_complaint_not_erased(desk):
    cid = await desk.complaint()
    account = await desk.personal.account(cid)
    assert account is not None
    assert (account.summary, account.asks_for) == ("card swallowed", "the card")


async def test_a_wrong_master_key_is_an_error_not_an_erasure(desk):
    cid = await desk.complaint()
    other = PersonalDataService(desk.store.transaction, ORG, master_key=bytes(32))
    with pytest.raises(RuntimeError):
        await other.read_contact(caller="YN-KM-01", complaint_id=cid, reason="r")


# -- the retention period ---------------------------------------------------------------------
async def test_the_retention_period_erases_what_it_ended(desk):
    old = await desk.complaint(when=T0)
    recent = await desk.complaint(when=T0 + timedelta(days=20))
    desk.clock.now = T0 + timedelta(days=30, minutes=1)
    assert await desk.personal.erase_expired(0) == 0  # 0: off
    assert await desk.personal.erase_expired(30) == 1
    assert old not in desk.store.data_keys and recent in desk.store.data_keys
    [erased] = desk.appended("personal_data.erased.v1")
    assert erased.subject == old
    assert erased.data["unit"] is None and erased.data["reason"] == RETENTION_REASON
    assert await desk.personal.erase_expired(30) == 0  # nothing twice
    desk.clock.now = T0 + timedelta(days=51)
    assert await desk.personal.erase_expired(30) == 1
    assert desk.store.data_keys == {}


async def test_the_periodic_task_erases_then_waits(desk):
    await desk.complaint(when=T0)
    desk.clock.now = T0 + timedelta(days=31)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await erase_expired_forever(desk.personal, 30, 60.0, sleep=sleep)
    assert waits == [60.0] and desk.store.data_keys == {}


# -- over HTTP --------------------------------------------------------------------------------
@pytest.fixture
async def intake(desk) -> AsyncIterator[httpx.AsyncClient]:
    settings = IntakeSettings(
        org_directory=str(DEMO), jwt_secret=SECRET, customer_master_key=MASTER_KEY_B64
    )
    app = create_app(settings)  # no lifespan runs: the fakes stand in for the database
    app.state.personal_data = desk.personal
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        yield client


def auth(unit: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(unit, SECRET)}"}


async def test_get_customer_answers_the_contact_and_refuses_others(desk, intake):
    cid = await desk.complaint()
    url = f"/v1/complaints/{cid}/customer"
    ok = await intake.get(url, params={"reason": "call back"}, headers=auth("YN-KM"))
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert (body["name"], body["phone"], body["email"]) == (
        "张三丰",
        "+86 138 0013 8000",
        "zhang@example.cn",
    )
    assert body["read_event_id"] == desk.appended("personal_data.read.v1")[0].id
    for caller, status in (("YN-SUP", 403), ("YN-KM-02", 404)):
        refused = await intake.get(url, params={"reason": "x"}, headers=auth(caller))
        assert refused.status_code == status
        assert refused.headers["content-type"].startswith("application/problem+json")
    for params in ({}, {"reason": ""}, {"reason": "x" * 501}):
        bad = await intake.get(url, params=params, headers=auth("YN-KM"))
        assert bad.status_code == 422
    assert (await intake.get(url, params={"reason": "x"})).status_code == 401
    assert len(desk.appended("personal_data.read.v1")) == 1


async def test_erasure_over_http_is_202_twice_then_the_contact_is_gone(desk, intake):
    cid = await desk.complaint()
    url = f"/v1/complaints/{cid}/erasure"
    assert (await intake.post(url, json={"reason": "x"}, headers=auth("YN-KM"))).status_code == 403
    assert (await intake.post(url, json={"reason": "x"}, headers=auth("GD"))).status_code == 404
    assert (await intake.post(url, json={}, headers=auth("YN"))).status_code == 422
    first = await intake.post(url, json={"reason": "the customer asked"}, headers=auth("YN-CS"))
    again = await intake.post(url, json={"reason": "the customer asked"}, headers=auth("YN"))
    assert first.status_code == again.status_code == 202
    assert len(desk.appended("personal_data.erased.v1")) == 1
    gone = await intake.get(
        f"/v1/complaints/{cid}/customer", params={"reason": "x"}, headers=auth("YN-KM-01")
    )
    assert gone.status_code == 410
    assert gone.headers["content-type"].startswith("application/problem+json")
