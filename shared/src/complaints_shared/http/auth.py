"""Bearer JWTs whose `unit` claim names the caller's unit.

A token is accepted only when

- it is signed HS256 with `JWT_SECRET`, or RS256 / ES256 with a key published at
  `JWT_JWKS_URL` (chosen by the token's `kid`). The algorithm decides which kind of key
  verifies it, never the other way round: HS256 is checked with the secret only, RS256 and
  ES256 with the JWKS only, and `alg: none` or any other algorithm is refused;
- it carries `exp`, has not expired, and lives at most `JWT_MAX_LIFETIME_SECONDS`
  (`exp - iat`, or `exp - now` when it has no `iat`);
- its `aud` and `iss` are the configured ones, when `JWT_AUDIENCE` / `JWT_ISSUER` are set
  (a token that names an audience is refused when none is configured);
- its `unit` claim is a non-empty string.

Anything else is a 401 problem with `WWW-Authenticate: Bearer` (and `error="invalid_token"`
when a token was sent). Clocks may disagree by `LEEWAY`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol

import jwt
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt.algorithms import has_crypto
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool

from ..logging import get_logger
from ..settings import ConfigurationError, ServiceSettings
from .problems import Problem

BEARER_SCHEME = "bearerAuth"  # its name under `components.securitySchemes`
bearer = HTTPBearer(
    auto_error=False,  # a missing token is our own 401 problem, not FastAPI's 403
    scheme_name=BEARER_SCHEME,
    bearerFormat="JWT",
    description="JWT whose `unit` claim names the caller",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
log = get_logger(__name__)

SECRET_ALGORITHM = "HS256"
JWKS_ALGORITHMS = frozenset({"RS256", "ES256"})
ISSUED_LIFETIME = timedelta(hours=1)  # what `issue_token` gives unless told otherwise
DEFAULT_MAX_LIFETIME = timedelta(hours=12)
LEEWAY = timedelta(seconds=30)  # clock skew between the issuer and the services
JWKS_CACHE_SECONDS = 300.0  # the key set is fetched again after this long
JWKS_REFRESH_COOLDOWN_SECONDS = 30.0  # an unknown `kid` refetches at most this often
JWKS_TIMEOUT_SECONDS = 5.0


class SigningKeys(Protocol):
    """Where public keys come from: `jwt.PyJWKClient`, or a test's stand-in."""

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK: ...


def issue_token(
    unit: str,
    secret: str | SecretStr,
    *,
    valid_for: timedelta = ISSUED_LIFETIME,
    audience: str | None = None,
    issuer: str | None = None,
) -> str:
    """An HS256 token for `unit` (development, tests, benchmarks): `iat` now, `exp` after
    `valid_for`, and `aud` / `iss` when given."""
    key = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"unit": unit, "iat": now, "exp": now + valid_for}
    if audience is not None:
        claims["aud"] = audience
    if issuer is not None:
        claims["iss"] = issuer
    return jwt.encode(claims, key, algorithm=SECRET_ALGORITHM)


def unauthorized(title: str, detail: str, *, token_sent: bool = True) -> Problem:
    """A 401 problem with its RFC 6750 challenge."""
    challenge = "Bearer"
    if token_sent:
        description = re.sub(r'[^\x20-\x7e]|["\\]', "", detail)[:200]
        challenge = f'Bearer error="invalid_token", error_description="{description}"'
    return Problem(401, title, detail, headers={"WWW-Authenticate": challenge})


def _invalid(detail: str) -> Problem:
    return unauthorized("Invalid token", detail)


@dataclass(frozen=True)
class TokenVerifier:
    """Checks bearer tokens as the module says; one per service, built from its settings."""

    secret: SecretStr | None = None
    keys: SigningKeys | None = None
    audience: str | None = None
    issuer: str | None = None
    max_lifetime: timedelta = DEFAULT_MAX_LIFETIME
    leeway: timedelta = LEEWAY

    @classmethod
    def from_settings(
        cls, settings: ServiceSettings, *, keys: SigningKeys | None = None
    ) -> TokenVerifier:
        """Raises `ConfigurationError` for settings a service must not start with (the
        development secret outside `DEV_MODE`, nothing to verify tokens with, a bad JWKS URL)."""
        settings.check_authentication()
        if keys is None and settings.jwt_jwks_url:
            keys = jwks_client(settings.jwt_jwks_url)
        secret = settings.jwt_secret
        return cls(
            secret=secret if secret.get_secret_value() else None,
            keys=keys,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            max_lifetime=timedelta(seconds=settings.jwt_max_lifetime_seconds),
        )

    def unit_of(self, token: str) -> str:
        """The unit the token names; a 401 `Problem` when it is not accepted. May fetch the
        JWKS (blocking): from async code use `unit_of_async`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise _invalid(str(exc)) from exc
        algorithm = header.get("alg")
        key: Any
        if algorithm == SECRET_ALGORITHM and self.secret is not None:
            key = self.secret.get_secret_value()
        elif algorithm in JWKS_ALGORITHMS and self.keys is not None:
            key = self._public_key(token)
        else:
            raise _invalid(f"tokens signed with {algorithm!r} are not accepted")
        required = ["exp", "unit"]
        required += ["aud"] if self.audience is not None else []
        required += ["iss"] if self.issuer is not None else []
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": required},
            )
            exp = float(claims["exp"])
            iat = claims.get("iat")
            start = float(iat) if iat is not None else time.time()
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise _invalid(str(exc)) from exc
        if exp - start > self.max_lifetime.total_seconds():
            raise _invalid(
                f"the token lives longer than {int(self.max_lifetime.total_seconds())} s"
            )
        unit = claims.get("unit")
        if not isinstance(unit, str) or not unit:
            raise _invalid("the `unit` claim must name a unit")
        return unit

    async def unit_of_async(self, token: str) -> str:
        """`unit_of`, off the event loop when the JWKS might have to be fetched."""
        if self.keys is not None and _algorithm(token) in JWKS_ALGORITHMS:
            return await run_in_threadpool(self.unit_of, token)
        return self.unit_of(token)

    async def caller_of(self, request: Request) -> str | None:
        """The request's caller if its bearer token is accepted, else None (no answer)."""
        credentials: HTTPAuthorizationCredentials | None = await bearer(request)
        if credentials is None:
            return None
        try:
            unit = await self.unit_of_async(credentials.credentials)
        except Problem:
            return None
        request.state.caller_unit = unit  # for the access log line
        return unit

    def _public_key(self, token: str) -> jwt.PyJWK:
        assert self.keys is not None
        try:
            return self.keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            log.warning("JWKS unreachable", error=str(exc))
            raise Problem(
                503,
                "Service unavailable",
                "the token keys cannot be fetched now; try again",
                headers={"Retry-After": "5"},
            ) from exc
        except jwt.PyJWTError as exc:  # unknown kid, no kid, a key set without usable keys
            raise _invalid(str(exc)) from exc


def _algorithm(token: str) -> object:
    try:
        return jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError:
        return None


def jwks_client(url: str) -> jwt.PyJWKClient:
    """PyJWT's JWKS client with the key set cached (`JWKS_CACHE_SECONDS`)."""
    if not has_crypto:
        raise ConfigurationError("JWT_JWKS_URL needs the `cryptography` package (pyjwt[crypto])")
    try:
        return jwt.PyJWKClient(
            url,
            cache_jwk_set=True,
            lifespan=JWKS_CACHE_SECONDS,
            timeout=JWKS_TIMEOUT_SECONDS,
            cooldown_duration=JWKS_REFRESH_COOLDOWN_SECONDS,
        )
    except jwt.PyJWTError as exc:
        raise ConfigurationError(f"JWT_JWKS_URL: {exc}") from exc


def as_verifier(key: TokenVerifier | SecretStr | str) -> TokenVerifier:
    """A verifier, or the default policy around a bare HS256 secret."""
    if isinstance(key, TokenVerifier):
        return key
    return TokenVerifier(secret=key if isinstance(key, SecretStr) else SecretStr(key))


def verifier_of(app: FastAPI) -> TokenVerifier:
    """The app's verifier: `app.state.auth`, else a bare secret in `app.state.jwt_secret`."""
    auth = getattr(app.state, "auth", None)
    if auth is None:
        auth = getattr(app.state, "jwt_secret", None)
    if auth is None:
        raise RuntimeError("app.state.auth is not set: TokenVerifier.from_settings(settings)")
    return as_verifier(auth)


def unit_from_token(token: str, key: TokenVerifier | SecretStr | str) -> str:
    """The unit a token names (a 401 `Problem` if it is not accepted)."""
    return as_verifier(key).unit_of(token)


async def caller_unit(request: Request, credentials: Credentials) -> str:
    """FastAPI dependency: the authenticated caller's unit id (its operations declare the
    `bearerAuth` scheme)."""
    if credentials is None:
        raise unauthorized(
            "Missing bearer token", "send Authorization: Bearer <JWT>", token_sent=False
        )
    unit = await verifier_of(request.app).unit_of_async(credentials.credentials)
    request.state.caller_unit = unit  # for the access log line
    return unit
