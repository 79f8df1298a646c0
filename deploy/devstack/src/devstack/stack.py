"""Bring up the whole system on one machine: infrastructure, migrations, the four services.

Used by `make run` and by the integration and end-to-end tests, so what the tests start is
what a user starts. External Kafka or PostgreSQL are used instead when their settings are given.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from complaints_shared.messaging.kafka import create_topics
from complaints_shared.settings import DEV_JWT_SECRET

from .broker import TansuBroker
from .postgres import EmbeddedPostgres

ROOT = Path(__file__).resolve().parents[4]
DEMO_ORG = ROOT / "deploy" / "demo" / "organisation.yaml"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    port: int
    database: str

    @property
    def url_variable(self) -> str:
        return f"{self.database.upper()}_DATABASE_URL"


SERVICES = (
    ServiceSpec("intake", "intake", 8001, "intake"),
    ServiceSpec("routing", "routing", 8002, "routing"),
    ServiceSpec("sla-monitor", "sla_monitor", 8003, "sla_monitor"),
    ServiceSpec("notifier", "notifier", 8004, "notifier"),
    ServiceSpec("dashboard", "dashboard", 8005, "dashboard"),
)


@dataclass
class StackConfig:
    workdir: Path
    pg_port: int = 5544
    broker_port: int = 9092
    advertised_broker_port: int | None = None  # a TCP proxy's port, for outage tests
    service_ports: dict[str, int] = field(default_factory=dict)
    org_file: Path = DEMO_ORG
    jwt_secret: str = DEV_JWT_SECRET
    dev_mode: bool = True  # DEV_MODE: the services accept the development secrets
    intake_rate_limit: int | None = None  # INTAKE_RATE_LIMIT; None: the service's default
    partitions: int = 6
    # fsync, synchronous_commit and full_page_writes of the embedded PostgreSQL: on for
    # `make run`; test stacks and benchmarks turn them off (throw-away data, faster).
    durable: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    # DASHBOARD_ACCOUNTS_FILE: the unit accounts the dashboard's page signs in with
    # (`make run` writes demo ones, the end-to-end tests their own); None: unset
    dashboard_accounts_file: Path | None = None
    external_kafka: str | None = None
    external_databases: dict[str, str] = field(default_factory=dict)


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.logs = config.workdir / "logs"
        self.postgres: EmbeddedPostgres | None = None
        self.broker: TansuBroker | None = None
        self.processes: dict[str, subprocess.Popen] = {}
        self.database_urls: dict[str, str] = dict(config.external_databases)

    # -- infrastructure -------------------------------------------------------------------
    @property
    def bootstrap(self) -> str:
        if self.config.external_kafka:
            return self.config.external_kafka
        assert self.broker is not None
        return self.broker.bootstrap

    def port_of(self, service: str) -> int:
        spec = next(s for s in SERVICES if s.name == service)
        return self.config.service_ports.get(service, spec.port)

    def base_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port_of(service)}"

    def start_infrastructure(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        missing = [s for s in SERVICES if s.url_variable not in self.database_urls]
        if missing:
            self.postgres = EmbeddedPostgres(
                self.config.workdir / "pgdata", self.config.pg_port, durable=self.config.durable
            )
            self.postgres.start()
            for spec in missing:
                self.postgres.create_database(spec.database)
                self.database_urls[spec.url_variable] = self.postgres.url(spec.database)
        if not self.config.external_kafka:
            self.broker = TansuBroker(
                self.config.broker_port,
                advertised_port=self.config.advertised_broker_port,
                log=self.logs / "broker.log",
            )
            self.broker.start()

    def create_topics(self) -> None:
        asyncio.run(create_topics(self.bootstrap, self.config.partitions))

    def migrate(self) -> None:
        with ThreadPoolExecutor(len(SERVICES)) as pool:
            for result in pool.map(self._migrate, SERVICES):
                result.check_returncode()

    def _migrate(self, spec: ServiceSpec) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", spec.package, "migrate"],
            env=self.env(),
            stdout=open(self.logs / f"{spec.name}-migrate.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )

    # -- services ---------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "ORG_DIRECTORY": str(self.config.org_file),
            "JWT_SECRET": self.config.jwt_secret,
            "DEV_MODE": "true" if self.config.dev_mode else "false",
            **(
                {"INTAKE_RATE_LIMIT": str(self.config.intake_rate_limit)}
                if self.config.intake_rate_limit is not None
                else {}
            ),
            "KAFKA_TOPIC_PARTITIONS": str(self.config.partitions),
            "PUBLIC_BASE_URL": self.base_url("intake"),
            **(
                {"DASHBOARD_ACCOUNTS_FILE": str(self.config.dashboard_accounts_file)}
                if self.config.dashboard_accounts_file is not None
                else {}
            ),
            **self.database_urls,
            **self.config.extra_env,
        }

    def start_service(self, name: str, extra_env: dict[str, str] | None = None) -> None:
        spec = next(s for s in SERVICES if s.name == name)
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", spec.package, "serve", "--port", str(self.port_of(name))],
            env={**self.env(), **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.logs}")
            try:
                with urllib.request.urlopen(f"{self.base_url(name)}/healthz", timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} not healthy after {timeout}s") from None
                time.sleep(0.1)

    def start_services(self) -> None:
        for spec in SERVICES:
            self.start_service(spec.name)
        for spec in SERVICES:
            self.wait_healthy(spec.name)

    def stop_service(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def start(self) -> None:
        self.start_infrastructure()
        self.create_topics()
        self.migrate()
        self.start_services()

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_service(name)
        if self.broker:
            self.broker.stop()
        if self.postgres:
            self.postgres.stop()
