"""Bearer tokens (complaints_shared.http.auth): `exp` required and bounded, `aud` / `iss`
when configured, HS256 with the secret only, RS256 / ES256 with keys from a JWKS served over a
real socket, `alg: none` never; every 401 with its `WWW-Authenticate` challenge; and the
development secret refused outside DEV_MODE."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated, Any

import jwt
import pytest
from fastapi import Depends, FastAPI
from pydantic import SecretStr

from complaints_shared.http.auth import (
    TokenVerifier,
    caller_unit,
    issue_token,
    jwks_client,
    unit_from_token,
)
from complaints_shared.http.problems import Problem, install_problem_handlers
from complaints_shared.settings import DEV_JWT_SECRET, ConfigurationError, ServiceSettings

with warnings.catch_warnings():  # starlette asks for httpx2 instead of httpx; both are in-process
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

SECRET = "a-test-secret-long-enough-for-hs256-keys"
AUDIENCE, ISSUER = "complaints", "https://sso.example.test"
HOUR = 3600


# -- keys and a JWKS endpoint on a real socket ----------------------------------------------------
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
STRANGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.RSAAlgorithm if alg == "RS256" else jwt.algorithms.ECAlgorithm
    jwk = algorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


class Jwks:
    """Serves `keys` as a JWKS at /jwks.json and counts the fetches."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys, self.fetches = keys, 0
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                jwks.fetches += 1
                body = json.dumps({"keys": jwks.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    served = Jwks([public_jwk(RSA_KEY, "rsa-1", "RS256"), public_jwk(EC_KEY, "ec-1", "ES256")])
    yield served
    served.close()


@pytest.fixture
def verifier(jwks: Jwks) -> TokenVerifier:
    return TokenVerifier(
        secret=SecretStr(SECRET), keys=jwks_client(jwks.url), audience=AUDIENCE, issuer=ISSUER
    )


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "unit": "YN-KM",
        "iat": now,
        "exp": now + HOUR,
        "aud": AUDIENCE,
        "iss": ISSUER,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def hs256(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), SECRET, algorithm="HS256")


def rs256(kid: str = "rsa-1", key: Any = RSA_KEY, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), key, algorithm="RS256", headers={"kid": kid})


def es256(kid: str = "ec-1", **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), EC_KEY, algorithm="ES256", headers={"kid": kid})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def refused(verifier: TokenVerifier, token: str) -> Problem:
    with pytest.raises(Problem) as caught:
        verifier.unit_of(token)
    problem = caught.value
    assert problem.status == 401
    assert problem.headers is not None
    assert problem.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    return problem


# -- accepted -----------------------------------------------------------------------------------
def test_an_hs256_token_signed_with_the_secret_is_accepted(verifier):
    assert verifier.unit_of(hs256()) == "YN-KM"


def test_an_rs256_token_signed_by_a_key_of_the_jwks_is_accepted(verifier):
    assert verifier.unit_of(rs256()) == "YN-KM"


def test_an_es256_token_signed_by_a_key_of_the_jwks_is_accepted(verifier):
    assert verifier.unit_of(es256(unit="GD")) == "GD"


def test_the_key_set_is_fetched_once_and_cached(jwks):
    verifier = TokenVerifier(keys=jwks_client(jwks.url), audience=AUDIENCE, issuer=ISSUER)
    before = jwks.fetches
    for _ in range(5):
        assert verifier.unit_of(rs256()) == "YN-KM"
        assert verifier.unit_of(es256()) == "YN-KM"
    assert jwks.fetches - before == 1


def test_a_token_living_exactly_the_maximum_is_accepted(verifier):
    now = int(time.time())
    assert verifier.unit_of(hs256(iat=now, exp=now + 12 * HOUR)) == "YN-KM"


# -- refused ------------------------------------------------------------------------------------
def test_a_token_without_exp_is_refused(verifier):
    problem = refused(verifier, hs256(exp=None))
    assert "exp" in (problem.detail or "")


def test_an_expired_token_is_refused(verifier):
    now = int(time.time())
    refused(verifier, hs256(iat=now - 2 * HOUR, exp=now - 120))
    refused(verifier, rs256(iat=now - 2 * HOUR, exp=now - 120))


def test_a_token_living_longer_than_the_maximum_is_refused(verifier):
    now = int(time.time())
    problem = refused(verifier, hs256(iat=now, exp=now + 12 * HOUR + 1))
    assert "longer than 43200 s" in (problem.detail or "")
    refused(verifier, rs256(iat=now - 100 * HOUR, exp=now + 60))  # issued long ago


def test_without_iat_the_lifetime_counts_from_now(verifier):
    now = int(time.time())
    assert verifier.unit_of(hs256(iat=None, exp=now + HOUR)) == "YN-KM"
    refused(verifier, hs256(iat=None, exp=now + 13 * HOUR))


def test_the_maximum_lifetime_is_configurable():
    settings = ServiceSettings(jwt_secret=SecretStr(SECRET), jwt_max_lifetime_seconds=600)
    short = TokenVerifier.from_settings(settings)
    now = int(time.time())
    token = jwt.encode({"unit": "YN", "iat": now, "exp": now + 601}, SECRET, algorithm="HS256")
    refused(short, token)
    assert short.unit_of(issue_token("YN", SECRET, valid_for=timedelta(minutes=10))) == "YN"


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"aud": "another-audience"}, id="wrong-aud"),
        pytest.param({"aud": None}, id="no-aud"),
        pytest.param({"iss": "https://evil.example.test"}, id="wrong-iss"),
        pytest.param({"iss": None}, id="no-iss"),
    ],
)
def test_the_configured_audience_and_issuer_are_required(verifier, overrides):
    refused(verifier, hs256(**overrides))
    refused(verifier, rs256(**overrides))


def test_without_a_configured_audience_a_token_naming_one_is_refused():
    plain = TokenVerifier(secret=SecretStr(SECRET))
    assert plain.unit_of(hs256(aud=None, iss=None)) == "YN-KM"
    assert plain.unit_of(hs256(aud=None)) == "YN-KM"  # an issuer nobody asked about is fine
    refused(plain, hs256())


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            lambda: jwt.encode(claims(), "another-secret-of-sufficient-length-xx"),
            id="hs256-other-secret",
        ),
        pytest.param(lambda: rs256(kid="rsa-unknown"), id="rs256-unknown-kid"),
        pytest.param(lambda: rs256(key=STRANGER_KEY), id="rs256-known-kid-stranger-key"),
        pytest.param(lambda: jwt.encode(claims(), RSA_KEY, algorithm="RS256"), id="rs256-no-kid"),
        pytest.param(lambda: rs256(kid="ec-1"), id="rs256-with-the-ec-key-id"),
        pytest.param(
            lambda: jwt.encode(claims(), RSA_KEY, algorithm="RS384", headers={"kid": "rsa-1"}),
            id="rs384",
        ),
        pytest.param(lambda: jwt.encode(claims(), SECRET * 2, algorithm="HS512"), id="hs512"),
    ],
)
def test_a_token_signed_by_an_unknown_key_or_algorithm_is_refused(verifier, token):
    refused(verifier, token())


def test_alg_none_is_always_refused(verifier):
    unsigned = jwt.encode(claims(), None, algorithm="none")
    problem = refused(verifier, unsigned)
    assert "'none'" in (problem.detail or "")
    refused(TokenVerifier(secret=SecretStr(SECRET)), unsigned)
    header = b64(json.dumps({"alg": "None", "typ": "JWT"}).encode())
    refused(verifier, f"{header}.{b64(json.dumps(claims()).encode())}.")


def test_an_hs256_token_keyed_with_the_public_key_is_refused(verifier):
    """Algorithm confusion: the RSA public key used as an HMAC secret."""
    pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    body = b64(json.dumps(claims()).encode())
    signature = b64(hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
    refused(verifier, f"{head}.{body}.{signature}")


def test_rs256_is_refused_without_a_jwks_and_hs256_without_a_secret(jwks):
    refused(TokenVerifier(secret=SecretStr(SECRET), audience=AUDIENCE, issuer=ISSUER), rs256())
    jwks_only = TokenVerifier(keys=jwks_client(jwks.url), audience=AUDIENCE, issuer=ISSUER)
    refused(jwks_only, hs256())


@pytest.mark.parametrize(
    "unit", [pytest.param(None, id="none"), pytest.param("", id="empty"), pytest.param(7, id="int")]
)
def test_the_unit_claim_must_name_a_unit(verifier, unit):
    refused(verifier, hs256(unit=unit))


def test_garbage_is_refused(verifier):
    refused(verifier, "not.a.jwt")


def test_an_unreachable_jwks_is_a_503_to_retry():
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as server:
        port = server.server_address[1]  # bound, then closed: nothing listens there
    verifier = TokenVerifier(keys=jwks_client(f"http://127.0.0.1:{port}/jwks.json"))
    with pytest.raises(Problem) as caught:
        verifier.unit_of(rs256(aud=None, iss=None))
    assert caught.value.status == 503
    assert caught.value.headers == {"Retry-After": "5"}


def test_issued_tokens_carry_exp_and_the_given_audience_and_issuer():
    token = issue_token("YN", SecretStr(SECRET), audience=AUDIENCE, issuer=ISSUER)
    decoded = jwt.decode(token, SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert decoded["exp"] - decoded["iat"] == HOUR
    assert unit_from_token(token, TokenVerifier(SecretStr(SECRET), None, AUDIENCE, ISSUER)) == "YN"


# -- over HTTP ------------------------------------------------------------------------------------
@pytest.fixture
def client(verifier) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.auth = verifier
    install_problem_handlers(app)

    @app.get("/whoami")
    async def whoami(unit: Annotated[str, Depends(caller_unit)]) -> dict:
        return {"unit": unit}

    with TestClient(app) as client:
        yield client


def test_the_dependency_accepts_jwks_tokens_off_the_event_loop(client):
    for token in (rs256(), es256(), hs256()):
        response = client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
        assert response.json() == {"unit": "YN-KM"}


def test_a_missing_token_is_challenged_without_an_error_code(client):
    response = client.get("/whoami")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda: hs256(exp=None), id="no-exp"),
        pytest.param(lambda: jwt.encode(claims(), None, algorithm="none"), id="alg-none"),
        pytest.param(lambda: rs256(kid="nope"), id="unknown-kid"),
        pytest.param(lambda: hs256(aud="x"), id="wrong-aud"),
    ],
)
def test_every_refused_token_is_a_401_with_an_invalid_token_challenge(client, token):
    response = client.get("/whoami", headers={"Authorization": f"Bearer {token()}"})
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token", error_description="')
    assert response.json()["title"] == "令牌无效"  # Chinese by default; the challenge stays ASCII


# -- settings -------------------------------------------------------------------------------------
@pytest.fixture
def clean_env(monkeypatch):
    for name in ("JWT_SECRET", "DEV_MODE", "JWT_JWKS_URL", "JWT_AUDIENCE", "JWT_ISSUER"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_development_secret_is_refused_outside_dev_mode(clean_env):
    settings = ServiceSettings()
    assert settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET and not settings.dev_mode
    with pytest.raises(ConfigurationError) as caught:
        TokenVerifier.from_settings(settings)
    message = str(caught.value)
    assert "JWT_SECRET" in message and "DEV_MODE=true" in message


def test_dev_mode_allows_the_development_secret(clean_env):
    clean_env.setenv("DEV_MODE", "true")
    verifier = TokenVerifier.from_settings(ServiceSettings())
    assert verifier.unit_of(issue_token("YN", DEV_JWT_SECRET)) == "YN"


def test_a_secret_of_ones_own_is_accepted_and_never_shown(clean_env):
    clean_env.setenv("JWT_SECRET", SECRET)
    settings = ServiceSettings()
    TokenVerifier.from_settings(settings)
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())


def test_a_short_secret_is_refused_outside_dev_mode(clean_env):
    with pytest.raises(ConfigurationError, match="shorter than 32 bytes"):
        TokenVerifier.from_settings(ServiceSettings(jwt_secret=SecretStr("short")))


def test_an_empty_secret_needs_a_jwks(clean_env, jwks):
    with pytest.raises(ConfigurationError, match="JWT_JWKS_URL"):
        TokenVerifier.from_settings(ServiceSettings(jwt_secret=SecretStr("")))
    clean_env.setenv("JWT_SECRET", "")
    clean_env.setenv("JWT_JWKS_URL", jwks.url)
    clean_env.setenv("JWT_AUDIENCE", AUDIENCE)
    clean_env.setenv("JWT_ISSUER", ISSUER)
    verifier = TokenVerifier.from_settings(ServiceSettings())
    assert verifier.secret is None
    assert verifier.unit_of(rs256()) == "YN-KM"
    refused(verifier, hs256())


def test_a_jwks_url_that_is_not_http_is_refused(clean_env):
    clean_env.setenv("JWT_SECRET", SECRET)
    with pytest.raises(ConfigurationError, match="JWT_JWKS_URL"):
        TokenVerifier.from_settings(ServiceSettings(jwt_jwks_url="file:///etc/passwd"))


def test_empty_audience_issuer_and_jwks_url_mean_unset(clean_env):
    for name in ("JWT_AUDIENCE", "JWT_ISSUER", "JWT_JWKS_URL"):
        clean_env.setenv(name, "")
    settings = ServiceSettings()
    assert (settings.jwt_audience, settings.jwt_issuer, settings.jwt_jwks_url) == (None,) * 3
