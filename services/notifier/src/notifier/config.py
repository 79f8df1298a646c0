"""The notifier's settings: the shared ones, its database, its channels and its delivery policy.

Every field is read from the environment variable of the same name in upper case
(`SMTP_HOST`, `ALERT_MAX_ATTEMPTS`, …); lists and maps are JSON
(`ALERT_ESCALATION_AFTER_SECONDS='[0, 1800, 7200]'`, `ALERT_UNIT_LANGUAGES='{"GD": "en"}'`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field

from complaints_shared.settings import ServiceSettings


class NotifierSettings(ServiceSettings):
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5544/notifier",
        validation_alias=AliasChoices("NOTIFIER_DATABASE_URL", "DATABASE_URL"),
    )

    # -- channels ------------------------------------------------------------------------
    smtp_host: str | None = Field(
        default=None, description="SMTP server for email; unset: email addresses use the log"
    )
    smtp_port: int = 25
    smtp_from: str = "complaints-notifier@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool | None = Field(
        default=None, description="STARTTLS: true/false, unset: when the server offers it"
    )
    smtp_timeout_seconds: float = 10.0
    webhook_secret: str = Field(
        default="dev-webhook-secret-change-me",
        description="HMAC-SHA256 key of the X-Complaints-Signature header",
    )
    webhook_timeout_seconds: float = 5.0
    sms_gateway_url: str | None = Field(
        default=None, description="HTTP SMS gateway (POST JSON); unset: SMS numbers use the log"
    )
    sms_gateway_token: str | None = None
    sms_timeout_seconds: float = 5.0

    # -- delivery policy -----------------------------------------------------------------
    alert_max_attempts: int = Field(default=6, ge=1, description="attempts before giving up")
    alert_backoff_seconds: float = Field(default=2.0, gt=0, description="first retry delay")
    alert_backoff_max_seconds: float = Field(default=300.0, gt=0)
    alert_dispatch_poll_seconds: float = Field(
        default=1.0, gt=0, description="fallback poll of the dispatcher; inserts wake it at once"
    )
    alert_dispatch_concurrency: int = Field(default=20, ge=1)
    alert_rate_limit: int = Field(
        default=5, ge=1, description="messages per recipient and window before folding"
    )
    alert_rate_window_seconds: float = Field(default=600.0, gt=0)
    alert_escalation_after_seconds: tuple[float, float, float] = Field(
        default=(0.0, 1800.0, 7200.0),
        description="how late a breach is before its owner, the unit above the unit it is "
        "escalated to, and the province supervision line are told (the unit it is escalated "
        "to is told at once)",
    )
    alert_language: Literal["zh", "en"] = "zh"
    alert_unit_languages: dict[str, Literal["zh", "en"]] = Field(
        default_factory=dict, description="unit id -> language, inherited by the units below"
    )
