"""The plumbing a service runs besides its routes, and the FastAPI app around it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from fastapi_offline import FastAPIOffline
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .contracts.base import Event
from .db import make_engine, make_sessions
from .http.i18n import bilingual_description
from .http.openapi import document_problems
from .http.problems import install_problem_handlers
from .logging import get_logger
from .messaging.consumer import Handler, LogConsumer
from .messaging.inbox import Inbox
from .messaging.outbox import Outbox
from .messaging.relay import OutboxRelay
from .readiness import BrokerProbe, CalendarEntries, Readiness, database_check
from .settings import ServiceSettings
from .telemetry import annotate, complaint_context

log = get_logger(__name__)
access_log = get_logger("http.access")
HTTP_SECONDS = Histogram(
    "http_server_request_duration_seconds",
    "HTTP requests served, by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNOBSERVED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Swagger UI and ReDoc are served from files shipped in a package, never from a CDN.
DOCS_ASSETS = "/docs/assets"


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
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

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

    def readiness(self, calendars: CalendarEntries | None = None) -> Readiness:
        """What `/readyz` checks: this service's database and the broker, plus the coverage
        of the working calendars for a service whose deadlines use them."""
        probe = BrokerProbe(self.settings.kafka_bootstrap_servers, f"{self.service}-readiness")
        ready = Readiness(
            checks={"database": database_check(self.engine), "broker": probe},
            calendars=calendars,
            on_close=[probe.close],
        )
        self._closers.append(ready.close)
        return ready

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
        for close in self._closers:
            await close()
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
    description_zh: str | None = None,
    readiness: Readiness | None = None,
) -> FastAPI:
    """A FastAPI app with problem details, /healthz (liveness), /readyz (readiness: database,
    broker and calendar coverage, see `readiness`), /metrics, tracing, and Swagger UI at /docs
    (ReDoc at /redoc) from assets it serves itself. Its OpenAPI description is Chinese and
    English (`description_zh`, else the catalogue's Chinese for `description`), with how
    errors answer in the language `Accept-Language` asks for."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await startup(app)
        try:
            yield
        finally:
            await shutdown(app)

    app = FastAPIOffline(
        title=title,
        description=bilingual_description(description, description_zh),
        version="1.0.0",
        lifespan=lifespan,
        static_url=DOCS_ASSETS,
        # Swagger UI would otherwise show a badge fetched from the public spec validator.
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.readiness = readiness
    install_problem_handlers(app, union_tags=union_tags)
    document_problems(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        wired: Readiness | None = getattr(request.app.state, "readiness", None)
        if wired is None:
            return JSONResponse({"status": "unavailable", "checks": {}, "calendars": []}, 503)
        ready, body = await wired.report()
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(ObservedHttp, router=app.router)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app


class ObservedHttp:
    """Per request: the complaint of the path bound to spans and log lines, the latency
    histogram by route template, and one access line (method, route template, status,
    duration, the caller's unit; never the query string, the path's values or a token)."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNOBSERVED_PATHS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        route, params = self._route(scope)
        complaint_id = params.get("complaint_id")
        span = trace.get_current_span()
        bound: AbstractContextManager[None] = nullcontext()
        if isinstance(complaint_id, str) and complaint_id:
            annotate(span, complaint_id)
            bound = complaint_context(complaint_id)
        if route != "unmatched":
            span.set_attribute("http.route", route)
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        scope.setdefault("state", {})
        try:
            with bound:
                await self.app(scope, receive, observed_send)
        finally:
            elapsed = time.perf_counter() - started
            HTTP_SECONDS.labels(scope["method"], route, str(status)).observe(elapsed)
            state = scope.get("state") or {}
            access_log.info(
                "http request",
                method=scope["method"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
                unit=state.get("caller_unit") if isinstance(state, dict) else None,
            )

    def _route(self, scope: Scope) -> tuple[str, dict[str, Any]]:
        """The template of the route the path matches, and its path parameters."""
        partial: tuple[str, dict[str, Any]] | None = None
        # Included routers are nodes of their own: match their routes, with the full path.
        for candidate in iter_route_contexts(self.router.routes):
            match, child = candidate.matches(scope)
            path = getattr(candidate, "path", None) or "unmatched"
            if match == Match.FULL:
                return path, dict(child.get("path_params", {}))
            if match == Match.PARTIAL and partial is None:
                partial = (path, dict(child.get("path_params", {})))
        return partial or ("unmatched", {})
