"""Wires the SLA monitor: database, outbox, relay, clock projector, breach ticker, HTTP app."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from complaints_shared.calendar_horizon import calendar_entries, today_in
from complaints_shared.http.auth import TokenVerifier
from complaints_shared.organisation import load_organisation
from complaints_shared.runtime import Plumbing, create_service_app

from .adapters.clock_queries import SqlClockReads
from .adapters.stores import sql_stores
from .adapters.tables import outbox, processed_events
from .config import SlaSettings
from .entrypoints.api import router
from .service_layer.calendar_horizon import check_calendar_horizon, watch_calendar_horizon
from .service_layer.handlers import ClockProjector
from .service_layer.metrics import clock_gauges
from .service_layer.recompute import recompute_if_policy_changed
from .service_layer.ticker import BreachTicker


def create_app(settings: SlaSettings) -> FastAPI:
    org = load_organisation(settings.org_directory)
    policy = settings.policy()
    plumbing = Plumbing.build(
        service="sla-monitor",
        settings=settings,
        database_url=settings.database_url,
        outbox_table=outbox,
        processed_table=processed_events,
    )
    stores = sql_stores(plumbing.sessions, plumbing.outbox, plumbing.inbox)
    wake = asyncio.Event()
    projector = ClockProjector(org, policy, wake, stores)

    today = today_in(org)

    async def startup(app: FastAPI) -> None:
        check_calendar_horizon(org, today)  # covered years; a WARNING when the horizon is not
        await recompute_if_policy_changed(
            stores, settings.kafka_bootstrap_servers, org, policy, projector.calendars
        )
        consumer = plumbing.consumer(projector.registry())
        ticker = BreachTicker(stores, policy, projector.calendars, consumer.owned_partitions, wake)
        gauges = clock_gauges(plumbing.sessions)
        horizon = watch_calendar_horizon(org, today)
        plumbing.start(plumbing.relay.run(), consumer.run(), ticker.run(), gauges, horizon)

    app = create_service_app(
        title="SLA monitor",
        description="Projects every complaint's deadlines from the log; warns and breaches.",
        startup=startup,
        shutdown=lambda app: plumbing.stop(),
        readiness=plumbing.readiness(calendar_entries(org, today=today)),
    )
    app.state.settings = settings
    app.state.org = org
    app.state.sessions = plumbing.sessions
    app.state.clock_reads = SqlClockReads(plumbing.sessions)
    app.state.auth = TokenVerifier.from_settings(settings)  # refuses the dev secret
    app.include_router(router)
    return app
