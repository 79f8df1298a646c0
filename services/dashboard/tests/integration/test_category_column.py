"""The category on real PostgreSQL (revision 0006): a complaint's row and its snapshots keep
it, every read path gives it back, and a row written before the revision reads as None."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dashboard.adapters.repository import SqlProjection, sql_reading
from dashboard.domain.scope import Reach

from ..unit.events import T0, assigned, at, fold, received

pytestmark = pytest.mark.integration

EVERYWHERE = Reach(units=frozenset({"YN-KM-01"}), unrestricted=frozenset())


async def _save(sessions: async_sessionmaker[AsyncSession], complaint) -> None:
    async with sessions.begin() as session:
        store = SqlProjection(session)
        await store.save(complaint)
        await store.add_snapshot(complaint, event_id=f"{complaint.complaint_id}-e1")


async def test_the_category_is_a_column_of_the_migrated_schema(sessions):
    async with sessions() as session:
        found = await session.scalar(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'complaints' AND column_name = 'category'"
            )
        )
    assert found == "text"


async def test_every_read_path_gives_the_category_back(sessions):
    complaint = fold(
        (received("YN-KM-01", category="damaged_goods"), T0),
        (assigned("YN-KM-01"), at(1)),
        complaint_id="CAT",
    )
    await _save(sessions, complaint)
    async with sessions() as session:
        stored = await session.scalar(
            text("SELECT category FROM complaints WHERE complaint_id = 'CAT'")
        )
    assert stored == "damaged_goods"
    async with sql_reading(sessions)() as reader:
        assert (await reader.one("CAT")).category == "damaged_goods"
        [listed] = await reader.in_scope(EVERYWHERE, at(-60), at(60))
        assert listed.category == "damaged_goods"
        past = await reader.one_at("CAT", datetime.now(UTC))
        assert past is not None and past.category == "damaged_goods"
        [then] = await reader.in_scope_at(EVERYWHERE, at(-60), at(60), datetime.now(UTC))
        assert then.category == "damaged_goods"


async def test_a_row_and_a_snapshot_from_before_the_revision_read_as_none(sessions):
    await _save(sessions, fold((received("YN-KM-01", category="attitude"), T0), complaint_id="OLD"))
    async with sessions.begin() as session:  # as revision 0005 left them
        await session.execute(text("UPDATE complaints SET category = NULL"))
        await session.execute(
            text("UPDATE complaint_snapshots SET complaint = complaint - 'category'")
        )
    async with sql_reading(sessions)() as reader:
        assert (await reader.one("OLD")).category is None
        past = await reader.one_at("OLD", datetime.now(UTC))
        assert past is not None and past.category is None
