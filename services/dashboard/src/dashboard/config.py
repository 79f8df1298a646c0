"""The dashboard's settings: the shared ones plus its database and how live pages are fed."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from complaints_shared.settings import ServiceSettings


class DashboardSettings(ServiceSettings):
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5544/dashboard",
        validation_alias=AliasChoices("DASHBOARD_DATABASE_URL", "DATABASE_URL"),
    )
    dashboard_poll_seconds: float = Field(
        default=2.0, description="fallback poll of the projection's version (NOTIFY wakes at once)"
    )
