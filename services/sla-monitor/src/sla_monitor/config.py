"""The SLA monitor's settings: the shared ones plus its database."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from complaints_shared.settings import ServiceSettings


class SlaSettings(ServiceSettings):
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5544/sla_monitor",
        validation_alias=AliasChoices("SLA_MONITOR_DATABASE_URL", "DATABASE_URL"),
    )
    resolve_days_branch: float = 1
    resolve_days_province: float = 2
    resolve_days_supervision: float = 3
    resolve_days_hq: float = 3
