"""A whole system of a test's own, for tests that kill, restart or add processes (the shared
`system` stays untouched): the stack behind a cuttable broker proxy, bearer clients, SQL on
each service's database and the log as it stands."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.db import asyncpg_connect_args
from complaints_shared.http.auth import issue_token
from complaints_shared.testing.kafka import read_all
from devstack.ports import free_port
from devstack.proxy import TcpProxy
from devstack.stack import SERVICES, Stack, StackConfig

JWT_SECRET = "fault-test-secret-that-is-long-enough-for-hs256"
SERVICE_NAMES = tuple(spec.name for spec in SERVICES)


@dataclass(frozen=True)
class LogRecord:
    partition: int
    offset: int
    complaint_id: str
    event_id: str | None  # None: not a CloudEvent
    type: str | None
    data: bytes


@dataclass
class OwnSystem:
    stack: Stack
    proxy: TcpProxy

    def url(self, service: str, path: str) -> str:
        return f"{self.stack.base_url(service)}{path}"

    def client(self, unit: str, *, timeout: float = 10.0) -> httpx.Client:
        token = issue_token(unit, JWT_SECRET)
        return httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=timeout)

    def database_url(self, service: str) -> str:
        spec = next(s for s in SERVICES if s.name == service)
        return self.stack.database_urls[spec.url_variable]

    def sql(self, service: str, statement: str, *args: Any) -> list[asyncpg.Record]:
        """Rows of a query on the service's own database (read only: the tests inspect)."""

        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(**asyncpg_connect_args(self.database_url(service)))
            try:
                return await conn.fetch(statement, *args)
            finally:
                await conn.close()

        return asyncio.run(run())

    def log(self) -> list[LogRecord]:
        """Every record of the complaint-events topic now."""
        records = []
        for r in read_all(self.stack.bootstrap, COMPLAINT_EVENTS):
            headers = {k: bytes(v).decode(errors="replace") for k, v in r.headers or ()}
            records.append(
                LogRecord(
                    r.partition,
                    r.offset,
                    (r.key or b"").decode(errors="replace"),
                    headers.get("ce_id"),
                    headers.get("ce_type"),
                    r.value or b"",
                )
            )
        return records

    def consumed(self, instance: str) -> int:
        """Events the instance has applied or found applied (its Prometheus counter); -1 while
        it does not answer."""
        try:
            text = httpx.get(self.url(instance, "/metrics"), timeout=5).text
        except httpx.HTTPError:
            return -1
        pattern = r'events_consumed_total\{outcome="(?:applied|duplicate)",[^}]*\} ([0-9.e+]+)'
        return int(sum(float(v) for v in re.findall(pattern, text)))


def log_ends(records: list[LogRecord]) -> dict[int, int]:
    """The offset after the last record of each partition: where a caught-up group stands."""
    ends: dict[int, int] = defaultdict(int)
    for r in records:
        ends[r.partition] = max(ends[r.partition], r.offset + 1)
    return dict(ends)


@contextmanager
def own_system(prefix: str, *, partitions: int, durable: bool) -> Iterator[OwnSystem]:
    # Not pytest's tmp_path: its root is 0700, which locks out PostgreSQL's system user.
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    workdir.chmod(0o755)
    broker_port, proxy_port = free_port(), free_port()
    config = StackConfig(
        workdir=workdir,
        pg_port=free_port(),
        broker_port=broker_port,
        advertised_broker_port=proxy_port,
        service_ports={name: free_port() for name in SERVICE_NAMES},
        jwt_secret=JWT_SECRET,
        intake_rate_limit=0,
        durable=durable,
        partitions=partitions,
    )
    proxy = TcpProxy(proxy_port, broker_port)
    stack = Stack(config)
    try:
        proxy.start()
        stack.start()
        yield OwnSystem(stack, proxy)
    finally:
        stack.stop()
        proxy.stop()
        if not os.environ.get("KEEP_SYSTEM_LOGS"):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"system logs kept in {workdir / 'logs'}")
