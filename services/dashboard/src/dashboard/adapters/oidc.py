"""Sign-in with the organisation's OpenID Connect provider: authorization code flow with PKCE.

authlib does the protocol: discovery (`<issuer>/.well-known/openid-configuration`), the
authorization URL with `state`, `nonce` and an S256 `code_challenge`, the code exchange with
the `code_verifier` (client secret when configured; `none` for a public client), and the ID
token's checks (signature by the provider's JWKS, `iss`, `aud`, `exp`, `nonce`). The unit is
the claim `unit_claim` of the ID token, else of the userinfo answer.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    # authlib 1.9 warns that its httpx client will move to the `httpx2` fork; httpx it is here.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth, OAuthError

SCOPE = "openid profile"
TIMEOUT_SECONDS = 10.0


class SignInFailed(Exception):
    """The provider refused, or its answer did not hold; the message is safe to show."""


@dataclass(frozen=True)
class Identity:
    subject: str
    name: str
    unit: str | None


class OidcSignIn:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        unit_claim: str = "unit",
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.unit_claim = unit_claim
        oauth = OAuth()
        self.client: Any = oauth.register(
            "organisation",
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPE,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": ("client_secret_basic" if client_secret else "none"),
                "timeout": TIMEOUT_SECONDS,
            },
        )

    async def _metadata(self) -> dict[str, Any]:
        try:
            metadata: dict[str, Any] = await self.client.load_server_metadata()
        except Exception as exc:  # unreachable, not JSON, an HTTP error
            raise SignInFailed(f"the identity provider cannot be reached: {exc}") from exc
        if str(metadata.get("issuer", "")).rstrip("/") != self.issuer:
            # OpenID Connect Discovery §4.3: the document must name the issuer asked for.
            self.client.server_metadata.clear()
            raise SignInFailed("the identity provider's discovery names another issuer")
        return metadata

    async def begin(self, redirect_uri: str) -> dict[str, Any]:
        """`url` to send the browser to, and `state`, `nonce`, `code_verifier` for `finish`."""
        await self._metadata()
        rv: dict[str, Any] = await self.client.create_authorization_url(redirect_uri)
        rv["redirect_uri"] = redirect_uri
        return rv

    async def finish(self, started: dict[str, Any], params: dict[str, str]) -> Identity:
        """Exchange the callback's code; the verified identity."""
        if "error" in params:
            reason = params.get("error_description") or params["error"]
            raise SignInFailed(f"the identity provider refused: {reason}")
        if not params.get("code"):
            raise SignInFailed("the identity provider sent no code")
        await self._metadata()
        try:
            token = await self.client.fetch_access_token(
                redirect_uri=started["redirect_uri"],
                code=params["code"],
                code_verifier=started["code_verifier"],
                state=started["state"],
            )
            if "id_token" not in token:
                raise SignInFailed("the identity provider returned no ID token")
            claims = dict(await self.client.parse_id_token(token, nonce=started.get("nonce")))
        except SignInFailed:
            raise
        except OAuthError as exc:
            raise SignInFailed(f"the code was not accepted: {exc.description or exc}") from exc
        except Exception as exc:  # a bad signature, audience, nonce, expiry; the network
            raise SignInFailed(f"the ID token was not accepted: {exc}") from exc
        unit = claims.get(self.unit_claim)
        if not unit and "userinfo_endpoint" in self.client.server_metadata:
            try:
                info = dict(await self.client.userinfo(token=token))
            except Exception as exc:
                raise SignInFailed(f"userinfo cannot be read: {exc}") from exc
            if info.get("sub") == claims.get("sub"):  # OIDC Core §5.3.2
                unit = info.get(self.unit_claim)
        subject = str(claims.get("sub", ""))
        name = claims.get("preferred_username") or claims.get("name") or claims.get("email")
        return Identity(
            subject=subject,
            name=str(name or subject),
            unit=unit if isinstance(unit, str) and unit else None,
        )
