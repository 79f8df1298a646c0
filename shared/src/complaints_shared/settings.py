"""Settings from the environment, shared by every service; each service adds its database URL."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_idempotence: bool = Field(
        default=False,
        description="idempotent producer: on for Apache Kafka, off for the dev broker (Tansu)",
    )
    kafka_topic_partitions: int = 6
    org_directory: str = "deploy/demo/organisation.yaml"
    jwt_secret: str = "dev-secret-change-me-at-least-32-bytes"
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    outbox_poll_seconds: float = Field(
        default=1.0, description="fallback poll of the outbox; commits wake the relay at once"
    )
    public_base_url: str = "http://127.0.0.1:8001"
