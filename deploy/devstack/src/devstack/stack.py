"""Bring up the whole system on one machine: infrastructure, migrations, the five services.

Used by `make run` and by the integration and end-to-end tests, so what the tests start is
what a user starts. External Kafka or PostgreSQL are used instead when their settings are given.

With `keep_data` (`make run`) the embedded PostgreSQL keeps its data directory, and, since
the dev broker keeps only memory, a `LogArchiver` copies the log into the devstack's own
database while the stack runs; the next start restores it before any service starts (see
`kept` and `archiver`). Without it (the test stacks) every start is clean.
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

from .archiver import LogArchiver
from .broker import TansuBroker
from .kept import KeptData
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
    # `make run`: keep PostgreSQL's data under `workdir` and archive the broker's log there,
    # restore both at the next start; off: a clean start each time (the test stacks)
    keep_data: bool = False
    health_timeout: float = 60.0  # how long each service may take to answer /healthz
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
        # Extra instances (`start_instance`): instance name -> (service, HTTP port).
        self.instances: dict[str, tuple[str, int]] = {}
        self.database_urls: dict[str, str] = dict(config.external_databases)
        self.kept: KeptData | None = None
        self.archiver: LogArchiver | None = None
        self.resumed = False  # started on the data an earlier run kept

    # -- infrastructure -------------------------------------------------------------------
    @property
    def bootstrap(self) -> str:
        if self.config.external_kafka:
            return self.config.external_kafka
        assert self.broker is not None
        return self.broker.bootstrap

    def port_of(self, service: str) -> int:
        """The HTTP port of a service, or of an extra instance by its instance name."""
        if service in self.instances:
            return self.instances[service][1]
        spec = next(s for s in SERVICES if s.name == service)
        return self.config.service_ports.get(service, spec.port)

    def base_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port_of(service)}"

    def start_infrastructure(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        missing = [s for s in SERVICES if s.url_variable not in self.database_urls]
        if missing or self.keeps_log:
            self.postgres = EmbeddedPostgres(
                self.config.workdir / "pgdata", self.config.pg_port, durable=self.config.durable
            )
            self.postgres.start(fresh=not self.config.keep_data)
            for spec in missing:
                self.postgres.create_database(spec.database)
                self.database_urls[spec.url_variable] = self.postgres.url(spec.database)
            if self.config.keep_data:
                self.kept = KeptData(self.postgres, self.config.workdir)
                self.resumed = self.kept.open(
                    self.config.org_file, self.config.jwt_secret, self.config.partitions
                )
        if not self.config.external_kafka:
            self.broker = TansuBroker(
                self.config.broker_port,
                advertised_port=self.config.advertised_broker_port,
                log=self.logs / "broker.log",
            )
            self.broker.start()

    @property
    def keeps_log(self) -> bool:
        """Whether the stack archives and restores the log (its own broker, data kept)."""
        return self.config.keep_data and not self.config.external_kafka

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
        """Start a service's process, or an extra instance's again (by its instance name)."""
        service = self.instances[name][0] if name in self.instances else name
        spec = next(s for s in SERVICES if s.name == service)
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", spec.package, "serve", "--port", str(self.port_of(name))],
            env={**self.env(), **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def start_instance(
        self, service: str, instance: str, port: int, extra_env: dict[str, str] | None = None
    ) -> None:
        """Start another process of `service` as a deployment scales out: the same database
        and consumer group, its own HTTP port. `instance` names it for `stop_service`,
        `kill_service`, `restart_service`, `wait_healthy` and `base_url`."""
        self.instances[instance] = (service, port)
        self.start_service(instance, extra_env)

    def wait_healthy(self, name: str, timeout: float | None = None) -> None:
        timeout = self.config.health_timeout if timeout is None else timeout
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

    def kill_service(self, name: str) -> None:
        """`kill -9` a service's process (or an extra instance's): a crash, no shutdown runs."""
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.kill()
            process.wait()

    def restart_service(
        self, name: str, extra_env: dict[str, str] | None = None, *, timeout: float | None = None
    ) -> None:
        """Start a stopped or killed service (or extra instance) and wait until it is healthy
        (`timeout`: the configured `health_timeout` unless given)."""
        self.start_service(name, extra_env)
        self.wait_healthy(name, timeout)

    def restart_postgres(self) -> None:
        """Stop the embedded PostgreSQL and start it again on its data: every connection drops,
        nothing committed is lost."""
        assert self.postgres is not None, "the databases are external"
        self.postgres.stop()
        self.postgres.start(fresh=False)

    def start(self) -> None:
        """Infrastructure, topics, the kept log (if any), migrations, the services. Raises
        `KeptDataRefused` when the kept data cannot be used as it is."""
        self.start_infrastructure()
        self.create_topics()
        ends: dict[tuple[str, int], int] | None = None
        if self.kept is not None and self.keeps_log:
            ends = self.kept.restore(self.bootstrap)
        self.migrate()
        if self.kept is not None and ends is not None:
            urls = {s.name: self.database_urls[s.url_variable] for s in SERVICES}
            self.kept.check_services(urls, ends)
        if self.kept is not None and self.keeps_log:
            self.archiver = LogArchiver(
                self.bootstrap, self.kept.url, log=self.logs / "archiver.log"
            )
            self.archiver.start()
        self.start_services()

    def stop(self) -> None:
        """Services first (their relays publish what they hold), then the archiver reads the
        log to its end, then the broker and PostgreSQL stop."""
        for name in list(self.processes):
            self.stop_service(name)
        if self.archiver is not None:
            self.archiver.drain()
            self.archiver = None
        if self.broker:
            self.broker.stop()
        if self.postgres:
            self.postgres.stop()
