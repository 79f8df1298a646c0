"""Routing's settings: the shared ones plus its database."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from complaints_shared.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5544/routing",
        validation_alias=AliasChoices("ROUTING_DATABASE_URL", "DATABASE_URL"),
    )
