"""Intake's settings: the shared ones plus its database, request limits and the customer key."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr

from complaints_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5544/intake",
        validation_alias=AliasChoices("INTAKE_DATABASE_URL", "DATABASE_URL"),
    )
    max_body_bytes: int = 64 * 1024
    clock_skew_seconds: int = Field(
        default=300, description="how far in the future a `received_at` or `at` may lie"
    )
    customer_key_secret: SecretStr = Field(
        default=SecretStr("dev-customer-key-change-me-at-least-32-bytes"),
        description="HMAC-SHA256 key of the customers' phone hashes (repeat complainants); "
        "changing it forgets every earlier complaint",
    )
    intake_rate_limit: int = Field(
        default=600,
        ge=0,
        description="requests per window per calling unit (writes, the worklist; never a read "
        "of a complaint); 0: no limit; counted per instance",
    )
    intake_rate_window_seconds: float = Field(default=60.0, ge=0, description="that window")
