"""The plumbing a service runs besides its routes, and the FastAPI app around it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Response
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from .contracts.base import Event
from .db import make_engine, make_sessions
from .http.problems import install_problem_handlers
from .logging import get_logger
from .messaging.consumer import Handler, LogConsumer
from .messaging.inbox import Inbox
from .messaging.outbox import Outbox
from .messaging.relay import OutboxRelay
from .settings import ServiceSettings

log = get_logger(__name__)


@dataclass
class Plumbing:
    """Database, outbox, inbox and relay of one service, wired from its settings."""

    service: str
    settings: ServiceSettings
    database_url: str
    engine: AsyncEngine
    sessions: async_sessionmaker
    outbox: Outbox
    inbox: Inbox
    relay: OutboxRelay
    _tasks: list[asyncio.Task] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        *,
        service: str,
        settings: ServiceSettings,
        database_url: str,
        outbox_table: Table,
        processed_table: Table,
    ) -> Plumbing:
        engine = make_engine(database_url)
        return cls(
            service=service,
            settings=settings,
            database_url=database_url,
            engine=engine,
            sessions=make_sessions(engine),
            outbox=Outbox(outbox_table),
            inbox=Inbox(processed_table, consumer=service),
            relay=OutboxRelay(
                service=service,
                settings=settings,
                engine=engine,
                table=outbox_table,
                database_url=database_url,
            ),
        )

    def consumer(self, handlers: Mapping[type[Event], Handler]) -> LogConsumer:
        return LogConsumer(
            service=self.service,
            settings=self.settings,
            sessions=self.sessions,
            outbox=self.outbox,
            inbox=self.inbox,
            handlers=handlers,
        )

    def start(self, *loops: Coroutine[Any, Any, None]) -> None:
        """Run background loops (relay, consumer, timers) until `stop`."""
        for loop in loops:
            task = asyncio.create_task(
                loop, name=f"{self.service}:{getattr(loop, '__qualname__', 'loop')}"
            )
            task.add_done_callback(_report_crash)
            self._tasks.append(task)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.engine.dispose()


def _report_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background loop crashed", task=task.get_name(), error=repr(task.exception()))


def create_service_app(
    *,
    title: str,
    description: str,
    startup: Callable[[FastAPI], Awaitable[None]],
    shutdown: Callable[[FastAPI], Awaitable[None]],
    union_tags: frozenset[str] | set[str] = frozenset(),
) -> FastAPI:
    """A FastAPI app with problem details, /healthz, /metrics and tracing."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await startup(app)
        try:
            yield
        finally:
            await shutdown(app)

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    install_problem_handlers(app, union_tags=union_tags)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,metrics")
    return app
