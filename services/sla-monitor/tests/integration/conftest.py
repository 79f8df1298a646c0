"""The SLA monitor against a real PostgreSQL (migrated with its alembic revisions), its HTTP
app driven in-process through httpx's ASGITransport, and events fed through the real consumer
(`LogConsumer.process`: decode, inbox, handlers, one transaction) without a broker.

With --import-mode=importlib test modules cannot import this file, so helpers are fixtures.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, new_id, to_kafka
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.http.auth import issue_token
from complaints_shared.messaging.consumer import LogConsumer
from complaints_shared.messaging.inbox import Inbox
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.migrations import upgrade
from devstack.fixtures import running_postgres
from devstack.postgres import EmbeddedPostgres
from sla_monitor.adapters import tables
from sla_monitor.bootstrap import create_app
from sla_monitor.config import SlaSettings
from sla_monitor.service_layer.handlers import ClockProjector

pytestmark = pytest.mark.integration
JWT_SECRET = "sla-monitor-tests-secret-long-enough-for-hs256"
DEMO_ORG = Path(__file__).parents[4] / "deploy/demo/organisation.yaml"
_offsets = itertools.count()


@dataclass
class Sla:
    app: FastAPI
    api: httpx.AsyncClient
    consumer: LogConsumer
    log: list[SimpleNamespace] = field(default_factory=list)  # every record fed, in order

    async def feed(self, complaint_id: str, *events: Event, at: datetime | None = None) -> None:
        """Each event through the consumer, as if read from the log."""
        for data in events:
            envelope = Envelope(
                id=new_id(),
                source="/sla-monitor-tests",
                type=data.type_name(),
                subject=complaint_id,
                time=at or datetime.now(UTC),
                data=data.model_dump(mode="json"),
            )
            key, value, headers = to_kafka(envelope)
            record = SimpleNamespace(
                topic=COMPLAINT_EVENTS,
                partition=0,
                offset=next(_offsets),
                key=key,
                value=value,
                headers=headers,
            )
            self.log.append(record)
            await self.consumer.process(record)

    async def get(self, path: str, caller: str, **query: str) -> httpx.Response:
        token = issue_token(caller, JWT_SECRET)
        headers = {"Authorization": f"Bearer {token}"}
        return await self.api.get(path, params=query, headers=headers)


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    with running_postgres("sla-monitor-it-pg-") as server:
        yield server


@pytest.fixture(scope="module")
async def sla(postgres: EmbeddedPostgres) -> AsyncIterator[Sla]:
    """One migrated database and app per module; no consumer loop, relay or ticker runs."""
    database = f"sla_monitor_{uuid.uuid4().hex[:10]}"
    postgres.create_database(database)
    settings = SlaSettings(
        SLA_MONITOR_DATABASE_URL=postgres.url(database),
        org_directory=str(DEMO_ORG),
        jwt_secret=JWT_SECRET,
    )
    await asyncio.to_thread(upgrade, "sla_monitor", settings.database_url)
    app = create_app(settings)
    sessions = app.state.sessions
    projector = ClockProjector(
        app.state.org, Outbox(tables.outbox), settings.policy(), asyncio.Event()
    )
    consumer = LogConsumer(
        service="sla-monitor",
        settings=settings,
        sessions=sessions,
        outbox=Outbox(tables.outbox),
        inbox=Inbox(tables.processed_events, consumer="sla-monitor"),
        handlers=projector.registry(),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sla") as api:
        yield Sla(app, api, consumer)
    await sessions.kw["bind"].dispose()
