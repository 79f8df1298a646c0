"""Where the customer's contact lies in clear in intake's database, after registering
complaints and projecting their events: every text, JSON and binary column of every table is
read back and searched for the phone (however it is spelled), the email and the name.

Only the outbox holds them: it carries the full `complaint.received` event as the log does
(keeping the log's personal data unreadable to all but the owner is a separate, later change;
then the outbox leaves this list too). The customer keys are HMACs, the views and the
timeline are masked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts.envelope import from_kafka
from complaints_shared.contracts.registry import parse
from complaints_shared.messaging.outbox import Outbox, decode_headers
from complaints_shared.organisation import load_organisation
from intake.adapters import tables
from intake.adapters.registry import sql_transactions
from intake.domain.customers import customer_key
from intake.service_layer.projection import Projection
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
# A run of digits with the separators a phone is written with.
NUMBERISH = re.compile(r"[0-9][0-9 ()+\-]*[0-9]")


def received(phone: str, minutes: int) -> c.ComplaintReceived:
    return c.ComplaintReceived(
        kind="complaint",
        channel="hotline",
        receiving_unit="YN-KM-01",
        business_line="cards",
        received_at=T0 + timedelta(minutes=minutes),
        customer=c.Customer(name=NAME, phone=phone, email=EMAIL, key_customer=True),
        summary="card swallowed by the machine",
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
    return found


@pytest.fixture
async def sessions(
    intake_sessions: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    names = ", ".join(table.name for table in tables.metadata.sorted_tables)
    async with intake_sessions.begin() as session:
        await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    return intake_sessions


async def register_and_project(sessions: async_sessionmaker[AsyncSession]) -> None:
    submissions = Submissions(
        sql_transactions(sessions, Outbox(tables.outbox)), ORG, customer_secret=SECRET
    )
    phones = [*SPELLINGS, OTHER_PHONE]
    for minutes, phone in enumerate(phones):
        event = received(phone, minutes)
        await submissions.submit_complaint(
            caller="YN-KM-01",
            event=event,
            received_at=event.received_at,
            key=f"key-{minutes}",
            body=event.model_dump(mode="json", exclude={"posted_by"}),
        )
    projection = Projection(ORG)
    async with sessions.begin() as session:
        rows = (await session.execute(select(tables.outbox).order_by(tables.outbox.c.id))).all()
        for row in rows:
            envelope = from_kafka(row.key.encode(), row.value, decode_headers(row.headers))
            event = parse(envelope)
            assert event is not None
            await projection.project(session, envelope, event)


async def test_the_contact_is_in_clear_in_the_outbox_only(sessions):
    await register_and_project(sessions)
    where: dict[str, set[str]] = {}
    async with sessions() as session:
        for table in tables.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                for value in row:
                    for string in strings(value):
                        found = in_clear(string)
                        if found:
                            where.setdefault(table.name, set()).update(found)
    # Today the outbox carries the received event whole (see the module's docstring).
    assert where == {"outbox": {"phone", "email", "name"}}


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
