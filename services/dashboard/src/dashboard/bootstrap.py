"""Wires the dashboard: database, projection consumer, change feed, JSON, stream, the page and
its sign-in."""

from __future__ import annotations

import time

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from complaints_shared.calendar_horizon import calendar_entries, log_covered_years, today_in
from complaints_shared.http.auth import TokenVerifier
from complaints_shared.logging import get_logger
from complaints_shared.organisation import Organisation, load_organisation
from complaints_shared.runtime import Plumbing, create_service_app

from .adapters.accounts import AccountFile
from .adapters.change_feed import ChangeFeed
from .adapters.oidc import OidcSignIn
from .adapters.report_store import SqlReportFacts, sql_report_reading
from .adapters.repository import SqlProjection, sql_reading
from .adapters.sessions import Clock, PendingSignIns, SessionStore
from .adapters.tables import outbox, processed_events
from .config import DashboardSettings
from .entrypoints import api, calendar_horizon, page, reports, signin, stream
from .service_layer.projection import DashboardProjection
from .service_layer.queries import DashboardQueries
from .service_layer.reports import ReportQueries

log = get_logger(__name__)


def create_app(settings: DashboardSettings) -> FastAPI:
    org = load_organisation(settings.org_directory)
    settings.check_sign_in()
    accounts = account_file(settings, org)  # a bad accounts file stops the start here
    plumbing = Plumbing.build(
        service="dashboard",
        settings=settings,
        database_url=settings.database_url,
        outbox_table=outbox,  # appends nothing of its own; dead letters still go through it
        processed_table=processed_events,
    )
    reading = sql_reading(plumbing.sessions)
    feed = ChangeFeed(settings.database_url, reading, poll_seconds=settings.dashboard_poll_seconds)

    today = today_in(org)

    async def startup(app: FastAPI) -> None:
        log_covered_years(org, today=today())
        stream.end_streams_on_exit(feed.close)
        consumer = plumbing.consumer(DashboardProjection(SqlProjection, SqlReportFacts).registry())
        plumbing.start(plumbing.relay.run(), consumer.run(), feed.run())

    async def shutdown(app: FastAPI) -> None:
        feed.close()
        await plumbing.stop()

    app = create_service_app(
        title="Dashboard",
        description="Live figures for province offices, projected from the whole log.",
        startup=startup,
        shutdown=shutdown,
        readiness=plumbing.readiness(calendar_entries(org, today=today)),
    )
    app.state.settings = settings
    app.state.org = org
    app.state.auth = TokenVerifier.from_settings(settings)  # refuses the dev secret
    install_sign_in(app, settings, org, accounts=accounts)
    app.state.queries = DashboardQueries(org, reading)
    app.state.reports = ReportQueries(org, sql_report_reading(plumbing.sessions))
    app.state.feed = feed
    app.state.calendar_today = today
    app.include_router(api.router)
    app.include_router(reports.router)
    app.include_router(calendar_horizon.router)
    app.include_router(stream.router)
    app.include_router(page.router)
    app.include_router(signin.router)
    app.mount("/dashboard/static", StaticFiles(directory=page.STATIC_DIR), name="static")
    return app


def account_file(settings: DashboardSettings, org: Organisation) -> AccountFile | None:
    path = settings.dashboard_accounts_file
    return AccountFile(path, org) if path else None


def install_sign_in(
    app: FastAPI,
    settings: DashboardSettings,
    org: Organisation,
    *,
    accounts: AccountFile | None = None,
    clock: Clock = time.monotonic,
) -> None:
    """The page's sign-in: its sessions (in memory, this instance's), the OpenID Connect
    sign-ins under way, the unit accounts, the identity provider. The routers are included by
    `create_app`."""
    settings.check_sign_in()
    app.state.settings = settings
    app.state.sessions = SessionStore(
        idle_seconds=settings.dashboard_session_idle_seconds, clock=clock
    )
    app.state.pending_sign_ins = PendingSignIns(clock=clock)
    app.state.accounts = accounts if accounts is not None else account_file(settings, org)
    app.state.oidc = oidc_sign_in(settings)
    if app.state.accounts is None and app.state.oidc is None:
        log.warning(
            "nobody can sign in to the page: set DASHBOARD_ACCOUNTS_FILE or DASHBOARD_OIDC_*"
        )


def oidc_sign_in(settings: DashboardSettings) -> OidcSignIn | None:
    if not settings.dashboard_oidc_issuer or not settings.dashboard_oidc_client_id:
        return None
    secret = settings.dashboard_oidc_client_secret
    return OidcSignIn(
        issuer=settings.dashboard_oidc_issuer,
        client_id=settings.dashboard_oidc_client_id,
        client_secret=secret.get_secret_value() if secret else None,
        unit_claim=settings.dashboard_oidc_unit_claim,
    )
