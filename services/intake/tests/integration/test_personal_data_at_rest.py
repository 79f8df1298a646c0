"""Where the customer's personal data lies in clear in intake's database, after registering
complaints and projecting their events: every text, JSON and binary column of every table is
read back and searched for the phone (however it is spelled), the email, the name and the
account of what happened.

Nowhere: the outbox carries `complaint.received` as the log does, the customer masked and the
rest sealed; `data_keys` holds each complaint's data key wrapped by the master key; the
customer keys are HMACs; the views and the timeline are masked. After erasure the sealed value
cannot be opened (the data key is gone), `GET /customer` is 410, and the complaint is still
there to count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts.envelope import Envelope, from_kafka
from complaints_shared.contracts.registry import parse
from complaints_shared.messaging.outbox import Outbox, decode_headers
from complaints_shared.organisation import load_organisation
from complaints_shared.sealing import InvalidTag, new_data_key, open_sealed, unwrap_key
from intake.adapters import tables
from intake.adapters.reads import SqlComplaintReads
from intake.adapters.registry import sql_transactions
from intake.adapters.worklist import SqlWorklist
from intake.domain.customers import customer_key
from intake.domain.personal_data import Contact, Registration
from intake.service_layer.personal_data import Gone, PersonalDataService
from intake.service_layer.projection import Projection
from intake.service_layer.queries import Queries
from intake.service_layer.submissions import Submissions

pytestmark = pytest.mark.integration

ORG = load_organisation(Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml")
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SECRET = b"test-customer-key"
PHONE = "13800138000"
OTHER_PHONE = "13900139000"
SPELLINGS = ["+86 138 0013 8000", PHONE, "138-0013-8000"]
EMAIL = "zhang.sanfeng@example.cn"
NAME = "张三丰"
SUMMARY = "card swallowed by the machine at the Beijing Road outlet"
MASTER_KEY = bytes(range(32))
# A run of digits with the separators a phone is written with.
NUMBERISH = re.compile(r"[0-9][0-9 ()+\-]*[0-9]")


def registration(phone: str, minutes: int) -> Registration:
    return Registration(
        kind="complaint",
        channel="hotline",
        receiving_unit="YN-KM-01",
        business_line="cards",
        received_at=T0 + timedelta(minutes=minutes),
        customer=Contact(name=NAME, phone=phone, email=EMAIL, key_customer=True),
        summary=SUMMARY,
        asks_for="the card back",
        posted_by="YN-KM-01",
    )


def strings(value: Any) -> Iterator[str]:
    """Every string in a column's value: JSON walked, bytes decoded (JSON inside parsed)."""
    if isinstance(value, bytes | memoryview):
        decoded = bytes(value).decode("utf-8", errors="replace")
        try:
            yield from strings(json.loads(decoded))
        except ValueError:
            yield decoded
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def in_clear(value: str) -> set[str]:
    found = set()
    numbers = {re.sub(r"\D", "", run) for run in NUMBERISH.findall(value)}
    if any(PHONE in number for number in numbers):
        found.add("phone")
    if EMAIL in value:
        found.add("email")
    if NAME in value:
        found.add("name")
    if "swallowed" in value:
        found.add("summary")
    return found


@pytest.fixture
async def sessions(
    intake_sessions: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    names = ", ".join(table.name for table in tables.metadata.sorted_tables)
    async with intake_sessions.begin() as session:
        await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    return intake_sessions


def personal_data(sessions: async_sessionmaker[AsyncSession]) -> PersonalDataService:
    return PersonalDataService(
        sql_transactions(sessions, Outbox(tables.outbox)), ORG, master_key=MASTER_KEY
    )


async def register(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    submissions = Submissions(
        sql_transactions(sessions, Outbox(tables.outbox)),
        ORG,
        customer_secret=SECRET,
        master_key=MASTER_KEY,
    )
    phones = [*SPELLINGS, OTHER_PHONE]
    ids = []
    for minutes, phone in enumerate(phones):
        registered = registration(phone, minutes)
        recorded = await submissions.submit_complaint(
            caller="YN-KM-01",
            registration=registered,
            received_at=registered.received_at,
            key=f"key-{minutes}",
            body=registered.model_dump(mode="json", exclude={"posted_by"}),
        )
        ids.append(recorded.complaint_id)
    return ids


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[Envelope]:
    async with sessions() as session:
        rows = (await session.execute(select(tables.outbox).order_by(tables.outbox.c.id))).all()
    return [from_kafka(row.key.encode(), row.value, decode_headers(row.headers)) for row in rows]


async def project(sessions: async_sessionmaker[AsyncSession], done: int = 0) -> int:
    """Project the outbox's events after the first `done` (as the consumer would, from the
    log); how many the outbox holds."""
    projection = Projection(ORG)
    envelopes = await outbox(sessions)
    async with sessions.begin() as session:
        for envelope in envelopes[done:]:
            event = parse(envelope)
            assert event is not None
            await projection.project(session, envelope, event)
    return len(envelopes)


async def register_and_project(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    ids = await register(sessions)
    await project(sessions)
    return ids


async def in_clear_where(sessions: async_sessionmaker[AsyncSession]) -> dict[str, set[str]]:
    where: dict[str, set[str]] = {}
    async with sessions() as session:
        for table in tables.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                for value in row:
                    for string in strings(value):
                        found = in_clear(string)
                        if found:
                            where.setdefault(table.name, set()).update(found)
    return where


async def test_the_personal_data_is_in_clear_nowhere(sessions):
    ids = await register_and_project(sessions)
    assert await in_clear_where(sessions) == {}
    async with sessions() as session:
        keys = tables.data_keys.c
        rows = (await session.execute(select(keys.complaint_id, keys.wrapped_key))).all()
    wrapped = {row.complaint_id: bytes(row.wrapped_key) for row in rows}
    assert set(wrapped) == set(ids) and all(len(key) == 40 for key in wrapped.values())
    # What the log carries opens with the complaint's own key, unwrapped by the master key.
    received = [e for e in await outbox(sessions) if e.type == "complaint.received.v2"]
    assert [e.subject for e in received] == ids
    first = received[0]
    sealed = c.Sealed.model_validate(first.data["sealed"])
    data = c.PersonalData.model_validate_json(
        open_sealed(unwrap_key(MASTER_KEY, wrapped[first.subject]), sealed)
    )
    assert (data.name, data.phone, data.email, data.summary) == (NAME, SPELLINGS[0], EMAIL, SUMMARY)


async def test_after_erasure_the_sealed_value_cannot_be_opened_and_the_complaint_still_counts(
    sessions,
):
    ids = await register_and_project(sessions)
    erased, kept = ids[0], ids[1]
    service = personal_data(sessions)
    read = await service.read_contact(caller="YN-KM-01", complaint_id=erased, reason="call back")
    assert read.name == NAME
    assert await service.erase(caller="YN", complaint_id=erased, reason="the customer asked")
    assert not await service.erase(caller="YN-CS", complaint_id=erased, reason="again")
    done = await project(sessions, len(ids))
    assert done == len(ids) + 2  # the read and the erasure, through the outbox

    async with sessions() as session:
        keys = set((await session.execute(select(tables.data_keys.c.complaint_id))).scalars())
        customers = set(
            (await session.execute(select(tables.customer_keys.c.complaint_id))).scalars()
        )
    assert erased not in keys and kept in keys
    assert erased not in customers and kept in customers
    sealed = c.Sealed.model_validate(
        next(e for e in await outbox(sessions) if e.subject == erased).data["sealed"]
    )
    with pytest.raises(InvalidTag):  # no key is left; no other key opens it
        open_sealed(new_data_key(), sealed)
    with pytest.raises(Gone):
        await service.read_contact(caller="YN-KM-01", complaint_id=erased, reason="r")
    assert (await service.read_contact(caller="YN-KM-01", complaint_id=kept, reason="r")).name

    queries = Queries(
        ORG, SqlComplaintReads(sessions), SqlWorklist(sessions), accounts=service.account
    )
    view = await queries.complaint("YN-KM-01", erased)
    assert view["customer"] == {"erased": True} and view["status"] == "received"
    timeline = await queries.timeline("YN-KM-01", erased, T0 + timedelta(hours=1))
    assert timeline["events"][0]["data"]["customer"] == {"erased": True}
    assert [e["type"] for e in timeline["events"]] == [
        "complaint.received",
        "personal_data.read",
        "personal_data.erased",
    ]
    form = await queries.form("YN-KM-01", erased, T0 + timedelta(hours=1))
    assert form["customer"] == {"erased": True} and form["summary"] is None
    assert (await queries.form("YN-KM-01", kept, T0))["summary"] == SUMMARY
    async with sessions() as session:
        snapshots = (
            await session.execute(
                select(tables.timeline_entries.c.view_after).where(
                    tables.timeline_entries.c.complaint_id == erased
                )
            )
        ).scalars()
        assert all(s["view"]["customer"] == {"erased": True} for s in snapshots)
        counted = await session.scalar(select(func.count()).select_from(tables.complaint_views))
    assert counted == len(ids)  # the complaint still counts


async def test_the_customer_is_a_keyed_hash_and_the_views_count_prior_complaints(sessions):
    await register_and_project(sessions)
    async with sessions() as session:
        keys = (
            await session.execute(
                select(tables.customer_keys.c.customer_key).order_by(
                    tables.customer_keys.c.received_at
                )
            )
        ).scalars()
        views = (
            await session.execute(
                select(
                    tables.complaint_views.c.prior_complaints,
                    tables.complaint_views.c.repeat_complainant,
                ).order_by(tables.complaint_views.c.received_at)
            )
        ).all()
    one, other = customer_key(PHONE, SECRET), customer_key(OTHER_PHONE, SECRET)
    assert list(keys) == [one, one, one, other]
    assert [tuple(view) for view in views] == [(0, False), (1, True), (2, True), (0, False)]
