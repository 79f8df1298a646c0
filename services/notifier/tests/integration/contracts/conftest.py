"""One contract suite per store: the same cases on the in-memory fakes
(`notifier.testing.fakes`) and on PostgreSQL (marked integration; the server is the parent
conftest's `postgres`). Each PostgreSQL case runs in a transaction rolled back at its end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.db import make_engine
from complaints_shared.migrations import upgrade
from devstack.postgres import EmbeddedPostgres
from notifier.adapters.alert_store import AlertStore, SqlAlertStore
from notifier.adapters.delivery_store import DeliveryStore, SqlDeliveryStore
from notifier.adapters.facts import FactsStore, SqlFacts
from notifier.adapters.notifications import NotificationReads, SqlNotificationReads
from notifier.testing.fakes import FakeAlertStore, FakeDeliveryStore, FakeFacts, FakeTables


@dataclass
class StoreSet:
    """Every store of the notifier on one transaction (SQL) or one set of tables (fake)."""

    facts: FactsStore
    alerts: AlertStore
    deliveries: DeliveryStore
    reads: NotificationReads


@pytest.fixture(scope="session")
def contract_database(postgres: EmbeddedPostgres) -> str:
    """A migrated database the contract cases share."""
    postgres.create_database("notifier_contracts")
    url = postgres.url("notifier_contracts")
    # Asked for from inside the event loop (by `stores`); alembic runs its own: in a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(upgrade, "notifier", url).result()
    return url


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[StoreSet]:
    if request.param == "fake":
        tables = FakeTables()
        yield StoreSet(
            FakeFacts(tables), FakeAlertStore(tables), FakeDeliveryStore(tables), tables.reads()
        )
        return
    engine = make_engine(request.getfixturevalue("contract_database"))
    try:
        async with engine.connect() as conn:
            transaction = await conn.begin()
            session = AsyncSession(bind=conn)
            try:
                yield StoreSet(
                    SqlFacts(session),
                    SqlAlertStore(session),
                    SqlDeliveryStore(session),
                    SqlNotificationReads(session),
                )
            finally:
                await session.close()
                await transaction.rollback()
    finally:
        await engine.dispose()
