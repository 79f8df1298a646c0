"""The dashboard's settings: the shared ones plus its database, how live pages are fed, and how
office staff sign in to the page."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator

from complaints_shared.settings import ConfigurationError, ServiceSettings


class DashboardSettings(ServiceSettings):
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5544/dashboard",
        validation_alias=AliasChoices("DASHBOARD_DATABASE_URL", "DATABASE_URL"),
    )
    dashboard_poll_seconds: float = Field(
        default=2.0, description="fallback poll of the projection's version (NOTIFY wakes at once)"
    )
    dashboard_accounts_file: str | None = Field(
        default=None,
        description="YAML/JSON file of unit accounts (username, unit, argon2 password hash)",
    )
    dashboard_oidc_issuer: str | None = Field(
        default=None,
        description="the organisation's OpenID Connect provider (discovery at "
        "/.well-known/openid-configuration); unset: no single sign-on",
    )
    dashboard_oidc_client_id: str | None = Field(default=None, description="the page's client id")
    dashboard_oidc_client_secret: SecretStr | None = Field(
        default=None, description="its secret; unset for a public client (PKCE only)"
    )
    dashboard_oidc_unit_claim: str = Field(
        default="unit", description="the ID token (or userinfo) claim naming the user's unit"
    )
    dashboard_session_idle_seconds: int = Field(
        default=1800, gt=0, description="a page's session ends after this long without a request"
    )
    dashboard_trust_forwarded: bool = Field(
        default=False,
        description="believe X-Forwarded-Proto (behind a TLS-terminating proxy): Secure cookies",
    )

    @field_validator(
        "dashboard_accounts_file",
        "dashboard_oidc_issuer",
        "dashboard_oidc_client_id",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("dashboard_oidc_client_secret", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value else value

    def check_sign_in(self) -> None:
        """Refuse a half-configured OpenID Connect client."""
        if self.dashboard_oidc_issuer and not self.dashboard_oidc_client_id:
            raise ConfigurationError(
                "DASHBOARD_OIDC_ISSUER is set but DASHBOARD_OIDC_CLIENT_ID is not: set both "
                "(and DASHBOARD_OIDC_CLIENT_SECRET for a confidential client) or neither"
            )
        if self.dashboard_oidc_client_id and not self.dashboard_oidc_issuer:
            raise ConfigurationError(
                "DASHBOARD_OIDC_CLIENT_ID is set but DASHBOARD_OIDC_ISSUER is not"
            )
        issuer = self.dashboard_oidc_issuer or ""
        if issuer and not issuer.startswith(("https://", "http://")):
            raise ConfigurationError("DASHBOARD_OIDC_ISSUER must be an http(s) URL")
