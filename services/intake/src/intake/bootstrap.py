"""Wires intake: settings -> database, outbox, relay, projection consumer, HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.complaint_events import UNIT_ACTIONS
from complaints_shared.http.body_limit import BodyLimitMiddleware
from complaints_shared.organisation import load_organisation
from complaints_shared.runtime import Plumbing, create_service_app

from .adapters.reads import SqlComplaintReads
from .adapters.registry import sql_transactions
from .adapters.tables import outbox, processed_events
from .adapters.worklist import SqlWorklist
from .config import IntakeSettings
from .entrypoints.api import router
from .entrypoints.form_api import router as form_router
from .service_layer.projection import Projection
from .service_layer.queries import Queries
from .service_layer.submissions import Submissions


def create_app(settings: IntakeSettings) -> FastAPI:
    org = load_organisation(settings.org_directory)
    plumbing = Plumbing.build(
        service="intake",
        settings=settings,
        database_url=settings.database_url,
        outbox_table=outbox,
        processed_table=processed_events,
    )

    projection = Projection(org)

    async def startup(app: FastAPI) -> None:
        plumbing.start(plumbing.relay.run(), plumbing.consumer({Event: projection.project}).run())

    app = create_service_app(
        title="Complaint intake",
        description="Branch hotlines and outlets post complaints and their handling here.",
        startup=startup,
        shutdown=lambda app: plumbing.stop(),
        union_tags=set(UNIT_ACTIONS),
    )
    app.state.settings = settings
    app.state.org = org
    app.state.jwt_secret = settings.jwt_secret
    app.state.submissions = Submissions(
        sql_transactions(plumbing.sessions, plumbing.outbox),
        org,
        customer_secret=settings.customer_key_secret.get_secret_value().encode(),
    )
    app.state.queries = Queries(
        org, SqlComplaintReads(plumbing.sessions), SqlWorklist(plumbing.sessions)
    )
    app.include_router(router)
    app.include_router(form_router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    return app
