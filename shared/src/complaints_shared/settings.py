"""Settings from the environment, shared by every service; each service adds its database URL."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-secret-change-me-at-least-32-bytes"
MIN_JWT_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash


class ConfigurationError(ValueError):
    """Settings a service refuses to start with."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_idempotence: bool = Field(
        default=False,
        description="idempotent producer: on for Apache Kafka, off for the dev broker (Tansu)",
    )
    kafka_topic_partitions: int = 6
    kafka_fetch_max_wait_ms: int = Field(
        default=25,
        ge=0,
        description="longest a consumer's fetch waits at the broker for records (idle latency)",
    )
    kafka_linger_ms: int = Field(
        default=2, ge=0, description="longest the relay's producer waits to batch records"
    )
    org_directory: str = "deploy/demo/organisation.yaml"
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEV_JWT_SECRET),
        description="HS256 key of the bearer tokens; empty: HS256 refused (JWKS only); "
        "the development default is refused unless DEV_MODE",
    )
    jwt_audience: str | None = Field(default=None, description="required `aud` of every token")
    jwt_issuer: str | None = Field(default=None, description="required `iss` of every token")
    jwt_jwks_url: str | None = Field(
        default=None, description="JWKS of the RS256/ES256 keys that may sign tokens"
    )
    jwt_max_lifetime_seconds: int = Field(
        default=12 * 3600, gt=0, description="longest `exp - iat` (or `exp - now`) accepted"
    )
    dev_mode: bool = Field(
        default=False, description="development machine: the development secrets are allowed"
    )
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    outbox_poll_seconds: float = Field(
        default=1.0, description="fallback poll of the outbox; commits wake the relay at once"
    )
    public_base_url: str = "http://127.0.0.1:8001"

    @field_validator("jwt_audience", "jwt_issuer", "jwt_jwks_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def check_authentication(self) -> None:
        """Refuse settings with which tokens could be forged or none verified."""
        secret = self.jwt_secret.get_secret_value()
        if not secret and not self.jwt_jwks_url:
            raise ConfigurationError(
                "JWT_SECRET is empty and JWT_JWKS_URL is unset: no token could be verified; "
                "set one of them"
            )
        if self.dev_mode:
            return
        if secret == DEV_JWT_SECRET:
            raise ConfigurationError(
                "JWT_SECRET is the development secret, with which anyone can sign tokens: set "
                "JWT_SECRET to a long random secret (or leave it empty and set JWT_JWKS_URL), "
                "or set DEV_MODE=true on a development machine only"
            )
        if secret and len(secret.encode()) < MIN_JWT_SECRET_BYTES:
            raise ConfigurationError(
                f"JWT_SECRET is shorter than {MIN_JWT_SECRET_BYTES} bytes: set a long random "
                "secret (or DEV_MODE=true on a development machine only)"
            )
