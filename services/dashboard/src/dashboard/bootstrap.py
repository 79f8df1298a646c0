"""Wires the dashboard: database, projection consumer, change feed, JSON, stream and page."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from complaints_shared.http.auth import TokenVerifier
from complaints_shared.organisation import load_organisation
from complaints_shared.runtime import Plumbing, create_service_app

from .adapters.change_feed import ChangeFeed
from .adapters.repository import SqlProjection, sql_reading
from .adapters.tables import outbox, processed_events
from .config import DashboardSettings
from .entrypoints import api, page, stream
from .service_layer.projection import DashboardProjection
from .service_layer.queries import DashboardQueries


def create_app(settings: DashboardSettings) -> FastAPI:
    org = load_organisation(settings.org_directory)
    plumbing = Plumbing.build(
        service="dashboard",
        settings=settings,
        database_url=settings.database_url,
        outbox_table=outbox,  # appends nothing of its own; dead letters still go through it
        processed_table=processed_events,
    )
    reading = sql_reading(plumbing.sessions)
    feed = ChangeFeed(settings.database_url, reading, poll_seconds=settings.dashboard_poll_seconds)

    async def startup(app: FastAPI) -> None:
        stream.end_streams_on_exit(feed.close)
        consumer = plumbing.consumer(DashboardProjection(SqlProjection).registry())
        plumbing.start(plumbing.relay.run(), consumer.run(), feed.run())

    async def shutdown(app: FastAPI) -> None:
        feed.close()
        await plumbing.stop()

    app = create_service_app(
        title="Dashboard",
        description="Live figures for province offices, projected from the whole log.",
        startup=startup,
        shutdown=shutdown,
    )
    app.state.settings = settings
    app.state.org = org
    app.state.auth = TokenVerifier.from_settings(settings)  # refuses the dev secret
    app.state.jwt_secret = app.state.auth  # the stream's `?token=` is checked alike
    app.state.queries = DashboardQueries(org, reading)
    app.state.feed = feed
    app.include_router(api.router)
    app.include_router(stream.router)
    app.include_router(page.router)
    app.mount("/dashboard/static", StaticFiles(directory=page.STATIC_DIR), name="static")
    return app
