"""Where the services are: the same environment variables the services and `make run` use,
with `make run`'s defaults (PostgreSQL on 5544, the broker on 9092, services on 8001-8005)."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5544"
DEFAULT_ORG = "deploy/demo/organisation.yaml"


@dataclass(frozen=True)
class Service:
    name: str  # also its consumer group
    package: str
    port: int
    database: str

    @property
    def url_variable(self) -> str:
        """`COMPLAINTS_INTAKE_URL`, `COMPLAINTS_SLA_MONITOR_URL`, …"""
        return f"COMPLAINTS_{self.database.upper()}_URL"

    @property
    def database_variable(self) -> str:
        """The variable the service itself reads: `INTAKE_DATABASE_URL`, …"""
        return f"{self.database.upper()}_DATABASE_URL"

    def base_url(self) -> str:
        return os.environ.get(self.url_variable, f"http://127.0.0.1:{self.port}").rstrip("/")

    def database_url(self) -> str:
        return os.environ.get(self.database_variable, f"{DEFAULT_PG}/{self.database}")


SERVICES = (
    Service("intake", "intake", 8001, "intake"),
    Service("routing", "routing", 8002, "routing"),
    Service("sla-monitor", "sla_monitor", 8003, "sla_monitor"),
    Service("notifier", "notifier", 8004, "notifier"),
    Service("dashboard", "dashboard", 8005, "dashboard"),
)
SERVICE_NAMES = tuple(s.name for s in SERVICES)


def service(name: str) -> Service:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(name)


def bootstrap_servers() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP)


def org_directory() -> str:
    return os.environ.get("ORG_DIRECTORY", DEFAULT_ORG)
