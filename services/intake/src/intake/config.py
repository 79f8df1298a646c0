"""Intake's settings: the shared ones plus its database, request limits and the customer key."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr

from complaints_shared.sealing import master_key_from_base64
from complaints_shared.settings import ConfigurationError, ServiceSettings

# base64 of b"dev-master-key-change-me-32bytes": accepted only with DEV_MODE=true.
DEV_CUSTOMER_MASTER_KEY = "ZGV2LW1hc3Rlci1rZXktY2hhbmdlLW1lLTMyYnl0ZXM="


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
    customer_master_key: SecretStr = Field(
        default=SecretStr(DEV_CUSTOMER_MASTER_KEY),
        description="base64 of 32 bytes: the AES key wrapping each complaint's data key (the "
        "key of its sealed personal data); the development default is refused unless DEV_MODE; "
        "in production a KMS should hold it",
    )
    customer_retention_days: int = Field(
        default=0,
        ge=0,
        description="erase a complaint's personal data this many days after it was received; "
        "0: never automatically",
    )
    retention_check_seconds: float = Field(
        default=3600.0, gt=0, description="how often intake looks for personal data to erase"
    )
    intake_rate_limit: int = Field(
        default=600,
        ge=0,
        description="requests per window per calling unit (writes, the worklist; never a read "
        "of a complaint); 0: no limit; counted per instance",
    )
    intake_rate_window_seconds: float = Field(default=60.0, ge=0, description="that window")

    def master_key(self) -> bytes:
        """The master key's 32 bytes; `ConfigurationError` for a malformed one, or the
        development default outside DEV_MODE."""
        value = self.customer_master_key.get_secret_value()
        if value == DEV_CUSTOMER_MASTER_KEY and not self.dev_mode:
            raise ConfigurationError(
                "CUSTOMER_MASTER_KEY is the development key, with which anyone can open the "
                "customers' personal data: set it to base64 of 32 random bytes (from a KMS or "
                "secret store), or set DEV_MODE=true on a development machine only"
            )
        try:
            return master_key_from_base64(value)
        except ValueError as exc:
            raise ConfigurationError(f"CUSTOMER_MASTER_KEY: {exc}") from None
