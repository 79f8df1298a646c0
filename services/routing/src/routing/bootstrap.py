"""Wires routing: settings -> database, outbox, relay, consumer, HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from complaints_shared.http.auth import TokenVerifier
from complaints_shared.organisation import load_organisation
from complaints_shared.runtime import Plumbing, create_service_app

from .adapters.repository import SqlRouteStore
from .adapters.tables import outbox, processed_events
from .config import RoutingSettings
from .entrypoints.api import router
from .service_layer.handlers import RoutingHandlers


def create_app(settings: RoutingSettings) -> FastAPI:
    org = load_organisation(settings.org_directory)  # refuses to start on an invalid file
    plumbing = Plumbing.build(
        service="routing",
        settings=settings,
        database_url=settings.database_url,
        outbox_table=outbox,
        processed_table=processed_events,
    )
    handlers = RoutingHandlers(org, plumbing.outbox, routes=SqlRouteStore)

    async def startup(app: FastAPI) -> None:
        plumbing.start(plumbing.relay.run(), plumbing.consumer(handlers.registry()).run())

    app = create_service_app(
        title="Complaint routing",
        description="Applies the branch, province and supervision-line hierarchy.",
        startup=startup,
        shutdown=lambda app: plumbing.stop(),
        readiness=plumbing.readiness(),
    )
    app.state.settings = settings
    app.state.org = org
    app.state.auth = TokenVerifier.from_settings(settings)  # refuses the dev secret
    app.include_router(router)
    return app
