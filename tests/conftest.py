"""The whole system, started once per test session exactly as `make run` starts it.

Real PostgreSQL, a real Kafka-protocol broker (behind a TCP proxy the outage test can cut),
and the four services as processes on free ports.
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
from devstack.ports import free_port
from devstack.proxy import TcpProxy
from devstack.stack import SERVICES, Stack, StackConfig

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"


@dataclass
class System:
    stack: Stack
    proxy: TcpProxy

    def url(self, service: str, path: str) -> str:
        return f"{self.stack.base_url(service)}{path}"

    def token(self, unit: str) -> str:
        return issue_token(unit, JWT_SECRET)

    def client(self, unit: str) -> httpx.Client:
        return httpx.Client(headers={"Authorization": f"Bearer {self.token(unit)}"}, timeout=10)

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
    config = StackConfig(
        workdir=workdir,
        pg_port=free_port(),
        broker_port=broker_port,
        advertised_broker_port=proxy_port,
        service_ports={spec.name: free_port() for spec in SERVICES},
        jwt_secret=JWT_SECRET,
        intake_rate_limit=0,  # the suites post in bursts; the limiter has its own tests
        partitions=3,
    )
    proxy = TcpProxy(proxy_port, broker_port)
    stack = Stack(config)
    try:
        proxy.start()
        stack.start()
        yield System(stack, proxy)
    finally:
        stack.stop()
        proxy.stop()
        if not os.environ.get("KEEP_SYSTEM_LOGS"):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"system logs kept in {workdir / 'logs'}")
