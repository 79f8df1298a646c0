"""The whole system, started once per test session exactly as `make run` starts it.

Real PostgreSQL, a real Kafka-protocol broker (behind a TCP proxy the outage test can cut),
and the four services as processes on free ports. At the end of the session PostgreSQL's server
log is read (`devstack.server_log`): an error it logged fails the session's teardown.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from complaints_shared.http.auth import issue_token
from dashboard.adapters.accounts import write_accounts
from devstack.ports import free_port
from devstack.proxy import TcpProxy
from devstack.server_log import problems_of
from devstack.stack import SERVICES, Stack, StackConfig

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"
# Units whose staff can sign in to the dashboard's page (username: the unit id in lower case).
ACCOUNT_UNITS = ("HQ", "YN", "GD", "YN-QJ", "YN-KM")


@dataclass
class System:
    stack: Stack
    proxy: TcpProxy
    accounts: dict[str, tuple[str, str]]  # username -> (unit, password), for the page

    def account(self, unit: str) -> tuple[str, str]:
        """The username and password of the unit's dashboard account."""
        return next((name, pw) for name, (u, pw) in self.accounts.items() if u == unit)

    def url(self, service: str, path: str) -> str:
        return f"{self.stack.base_url(service)}{path}"

    def token(self, unit: str) -> str:
        return issue_token(unit, JWT_SECRET)

    def client(self, unit: str, *, language: str | None = "en") -> httpx.Client:
        """A client acting as `unit`. Problem details are Chinese unless `Accept-Language`
        asks for English: the suites read them in English (`language=None`: the default)."""
        headers = {"Authorization": f"Bearer {self.token(unit)}"}
        if language is not None:
            headers["Accept-Language"] = language
        return httpx.Client(headers=headers, timeout=10)

    @property
    def bootstrap(self) -> str:
        return self.stack.bootstrap

    def database_url(self, service: str) -> str:
        spec = next(s for s in SERVICES if s.name == service)
        return self.stack.database_urls[spec.url_variable]


@pytest.fixture(scope="session")
def system() -> Iterator[System]:
    # Not pytest's tmp_path: pytest keeps its root at mode 0700, which locks out the system
    # user PostgreSQL runs as when the tests run as root.
    workdir = Path(tempfile.mkdtemp(prefix="complaints-system-"))
    workdir.chmod(0o755)
    broker_port, proxy_port = free_port(), free_port()
    accounts_file = workdir / "dashboard-accounts.yaml"
    accounts = write_accounts(accounts_file, ACCOUNT_UNITS)
    config = StackConfig(
        workdir=workdir,
        pg_port=free_port(),
        broker_port=broker_port,
        advertised_broker_port=proxy_port,
        service_ports={spec.name: free_port() for spec in SERVICES},
        jwt_secret=JWT_SECRET,
        intake_rate_limit=0,  # the suites post in bursts; the limiter has its own tests
        durable=False,  # throw-away data: fsync, synchronous_commit, full_page_writes off
        partitions=3,
        dashboard_accounts_file=accounts_file,
    )
    proxy = TcpProxy(proxy_port, broker_port)
    stack = Stack(config)
    try:
        proxy.start()
        stack.start()
        yield System(stack, proxy, accounts)
    finally:
        # Read before the stop: a service stopped while a reply is on its way makes PostgreSQL log
        # "connection to client lost", which says nothing about what the services did.
        logged = problems_of(stack.postgres) if stack.postgres else []
        stack.stop()
        proxy.stop()
        if not os.environ.get("KEEP_SYSTEM_LOGS"):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"system logs kept in {workdir / 'logs'}")
    # Reached when the session ran: what PostgreSQL logged as going wrong fails it.
    assert not logged, "PostgreSQL's server log:\n" + "\n".join(logged)
