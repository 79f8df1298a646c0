"""Wires intake: settings -> database, outbox, relay, projection consumer, HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from complaints_shared.calendar_horizon import calendar_entries, log_covered_years, today_in
from complaints_shared.contracts.base import Event
from complaints_shared.contracts.complaint_events import UNIT_ACTIONS
from complaints_shared.http.auth import TokenVerifier
from complaints_shared.http.body_limit import BodyLimitMiddleware
from complaints_shared.http.rate_limit import RateLimitMiddleware, SlidingWindowLimiter
from complaints_shared.organisation import load_organisation
from complaints_shared.runtime import Plumbing, create_service_app

from .adapters.reads import SqlComplaintReads
from .adapters.registry import sql_transactions
from .adapters.tables import outbox, processed_events
from .adapters.worklist import SqlWorklist
from .config import IntakeSettings
from .entrypoints.api import router
from .entrypoints.form_api import router as form_router
from .service_layer.personal_data import PersonalDataService, erase_expired_forever
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
    transactions = sql_transactions(plumbing.sessions, plumbing.outbox)

    today = today_in(org)  # the clocks' `calendar_uncovered` needs the calendars' years

    async def startup(app: FastAPI) -> None:
        log_covered_years(org, today=today())
        plumbing.start(plumbing.relay.run(), plumbing.consumer({Event: projection.project}).run())
        if settings.customer_retention_days:
            plumbing.start(
                erase_expired_forever(
                    personal_data,
                    settings.customer_retention_days,
                    settings.retention_check_seconds,
                )
            )

    app = create_service_app(
        title="Complaint intake",
        description="Branch hotlines and outlets post complaints and their handling here.",
        startup=startup,
        shutdown=lambda app: plumbing.stop(),
        union_tags=set(UNIT_ACTIONS),
        readiness=plumbing.readiness(calendar_entries(org, today=today)),
    )
    app.state.settings = settings
    app.state.org = org
    app.state.auth = TokenVerifier.from_settings(settings)  # refuses the dev secret
    master_key = settings.master_key()  # refuses the development key outside DEV_MODE
    personal_data = PersonalDataService(transactions, org, master_key=master_key)
    app.state.submissions = Submissions(
        transactions,
        org,
        customer_secret=settings.customer_key_secret.get_secret_value().encode(),
        master_key=master_key,
    )
    app.state.personal_data = personal_data
    app.state.queries = Queries(
        org,
        SqlComplaintReads(plumbing.sessions),
        SqlWorklist(plumbing.sessions),
        accounts=personal_data.account,
    )
    app.include_router(router)
    app.include_router(form_router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.intake_rate_limit and settings.intake_rate_window_seconds:
        app.add_middleware(  # outermost: an excess request is refused before its body is read
            RateLimitMiddleware,
            limiter=SlidingWindowLimiter(
                settings.intake_rate_limit, settings.intake_rate_window_seconds
            ),
            identify=app.state.auth.caller_of,
            applies=rate_limited,
        )
    return app


def rate_limited(method: str, path: str) -> bool:
    """Writes and lists count against the calling unit's rate limit; a read of one complaint
    (`GET /v1/complaints/{id}` and everything under it, and its customer's contact by any
    method) never does, so that a unit over its limit can still look a complaint up."""
    parts = path.strip("/").split("/")
    if parts[0] != "v1":
        return False
    if len(parts) >= 3 and parts[1] == "complaints":
        if method in ("GET", "HEAD"):
            return False
        if len(parts) >= 4 and parts[3] == "customer":
            return False
    return True
