"""Wires the notifier: database, outbox, relay, consumer, dispatcher, channels, HTTP app."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.http.auth import TokenVerifier
from complaints_shared.organisation import load_organisation
from complaints_shared.runtime import Plumbing, create_service_app

from .adapters.alert_store import SqlAlertStore
from .adapters.delivery_store import SqlDeliveryStore
from .adapters.facts import SqlFacts
from .adapters.notifications import sql_reads
from .adapters.tables import outbox, processed_events
from .adapters.transports import Transports
from .config import NotifierSettings
from .domain.policy import RateLimit, Retry
from .entrypoints.api import router
from .service_layer.dispatcher import Dispatcher
from .service_layer.handlers import NotifierHandlers
from .service_layer.recording import AlertBook
from .service_layer.stores import Stores


def sql_stores(session: AsyncSession) -> Stores:
    """The handlers' stores on the consumer's transaction: the SQL adapters."""
    return Stores(facts=SqlFacts(session), alerts=SqlAlertStore(session))


def create_app(settings: NotifierSettings) -> FastAPI:
    org = load_organisation(settings.org_directory)
    plumbing = Plumbing.build(
        service="notifier",
        settings=settings,
        database_url=settings.database_url,
        outbox_table=outbox,
        processed_table=processed_events,
    )
    limit = RateLimit(
        messages=settings.alert_rate_limit,
        window=timedelta(seconds=settings.alert_rate_window_seconds),
    )
    handlers = NotifierHandlers(org, settings, AlertBook(limit), sql_stores)
    transports = Transports(settings)
    dispatcher = _dispatcher(settings, plumbing, transports)

    async def startup(app: FastAPI) -> None:
        plumbing.start(
            plumbing.relay.run(),
            plumbing.consumer(handlers.registry()).run(),
            dispatcher.run(),
        )

    async def shutdown(app: FastAPI) -> None:
        await plumbing.stop()
        await transports.aclose()

    app = create_service_app(
        title="Notifier",
        description="Alerts the people who own a complaint and records every attempt.",
        startup=startup,
        shutdown=shutdown,
        readiness=plumbing.readiness(),
    )
    app.state.settings = settings
    app.state.sessions = plumbing.sessions
    app.state.open_reads = sql_reads(plumbing.sessions)
    app.state.auth = TokenVerifier.from_settings(settings)  # refuses the dev secret
    app.state.org = org
    app.include_router(router)
    return app


def _dispatcher(
    settings: NotifierSettings, plumbing: Plumbing, transports: Transports
) -> Dispatcher:
    return Dispatcher(
        sessions=plumbing.sessions,
        deliveries=SqlDeliveryStore,
        outbox=plumbing.outbox,
        transports=transports,
        database_url=settings.database_url,
        retry=Retry(
            max_attempts=settings.alert_max_attempts,
            base=settings.alert_backoff_seconds,
            cap=settings.alert_backoff_max_seconds,
        ),
        public_base_url=settings.public_base_url,
        poll_seconds=settings.alert_dispatch_poll_seconds,
        concurrency=settings.alert_dispatch_concurrency,
    )
