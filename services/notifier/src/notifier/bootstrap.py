"""Wires the notifier: database, outbox, relay, consumer, HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from complaints_shared.organisation import load_organisation
from complaints_shared.runtime import Plumbing, create_service_app

from .adapters.tables import outbox, processed_events
from .config import NotifierSettings
from .entrypoints.api import router
from .service_layer.handlers import NotifierHandlers


def create_app(settings: NotifierSettings) -> FastAPI:
    org = load_organisation(settings.org_directory)
    plumbing = Plumbing.build(
        service="notifier",
        settings=settings,
        database_url=settings.database_url,
        outbox_table=outbox,
        processed_table=processed_events,
    )
    handlers = NotifierHandlers(org, plumbing.outbox, settings.public_base_url)

    async def startup(app: FastAPI) -> None:
        plumbing.start(plumbing.relay.run(), plumbing.consumer(handlers.registry()).run())

    app = create_service_app(
        title="Notifier",
        description="Alerts the people who own a complaint and records every attempt.",
        startup=startup,
        shutdown=lambda app: plumbing.stop(),
    )
    app.state.settings = settings
    app.state.sessions = plumbing.sessions
    app.state.jwt_secret = settings.jwt_secret
    app.include_router(router)
    return app
