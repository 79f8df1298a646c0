"""A dashboard app with its page and sign-in, on fakes: no database, no broker."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from complaints_shared.runtime import create_service_app
from dashboard.adapters.accounts import AccountFile, write_accounts
from dashboard.adapters.change_feed import ChangeFeed
from dashboard.bootstrap import install_sign_in
from dashboard.config import DashboardSettings
from dashboard.entrypoints import api, page, signin, stream
from dashboard.service_layer.queries import DashboardQueries
from dashboard.testing.fakes import FakeProjection

from .org import ORG

SECRET = "a-test-secret-of-at-least-32-bytes"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def _nothing(app: FastAPI) -> None:
    return None


def accounts_file(folder: Path, units: tuple[str, ...] = ("YN", "YN-KM", "XJ")) -> tuple:
    path = folder / "accounts.yaml"
    return path, write_accounts(path, units, hasher=FAST)


def build_app(
    settings: DashboardSettings,
    *,
    clock: Clock | None = None,
    accounts: AccountFile | None = None,
) -> FastAPI:
    app = create_service_app(title="t", description="t", startup=_nothing, shutdown=_nothing)
    app.state.org = ORG
    app.state.jwt_secret = SECRET
    store = FakeProjection()
    app.state.queries = DashboardQueries(ORG, store.reading)
    app.state.feed = ChangeFeed("postgresql://unused/db", store.reading)
    install_sign_in(app, settings, ORG, accounts=accounts, clock=clock or time.monotonic)
    for router in (api.router, stream.router, page.router, signin.router):
        app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=page.STATIC_DIR), name="static")
    return app


def bearer(unit: str) -> dict[str, str]:
    token = jwt.encode({"unit": unit, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}
