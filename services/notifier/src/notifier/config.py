"""The notifier's settings: the shared ones plus its database."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from complaints_shared.settings import ServiceSettings


class NotifierSettings(ServiceSettings):
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5544/notifier",
        validation_alias=AliasChoices("NOTIFIER_DATABASE_URL", "DATABASE_URL"),
    )
