"""Wires the SLA monitor: database, outbox, relay, consumer, breach ticker, HTTP app."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from complaints_shared.organisation import load_organisation
from complaints_shared.runtime import Plumbing, create_service_app

from .adapters.tables import outbox, processed_events
from .config import SlaSettings
from .domain.policy import ClockPolicy
from .entrypoints.api import router
from .service_layer.handlers import SlaHandlers
from .service_layer.ticker import BreachTicker


def create_app(settings: SlaSettings) -> FastAPI:
    org = load_organisation(settings.org_directory)
    plumbing = Plumbing.build(
        service="sla-monitor",
        settings=settings,
        database_url=settings.database_url,
        outbox_table=outbox,
        processed_table=processed_events,
    )
    policy = ClockPolicy(
        resolve_days={
            "branch": settings.resolve_days_branch,
            "province": settings.resolve_days_province,
            "supervision": settings.resolve_days_supervision,
            "hq": settings.resolve_days_hq,
        }
    )

    async def startup(app: FastAPI) -> None:
        wake = asyncio.Event()
        handlers = SlaHandlers(org, plumbing.outbox, policy, wake)
        ticker = BreachTicker(plumbing.sessions, plumbing.outbox, wake)
        plumbing.start(
            plumbing.relay.run(), plumbing.consumer(handlers.registry()).run(), ticker.run()
        )

    app = create_service_app(
        title="SLA monitor",
        description="Projects every complaint's deadlines from the log; warns and breaches.",
        startup=startup,
        shutdown=lambda app: plumbing.stop(),
    )
    app.state.settings = settings
    app.state.sessions = plumbing.sessions
    app.state.jwt_secret = settings.jwt_secret
    app.include_router(router)
    return app
