"""Sign-in with the organisation's OpenID Connect provider, against a real one.

oidc-provider-mock (a Flask app built on authlib's authorization server) is served over a
socket by werkzeug in a thread. The dashboard, in process, discovers it, sends the browser
(httpx, following redirects) to its authorize endpoint with state, nonce and an S256 code
challenge; the provider's form picks the subject; the callback exchanges the code with the
verifier, checks the ID token, and opens a session whose unit is the configured claim.

The mock does not enforce PKCE itself, so a WSGI wrapper around it does: it remembers each
code's challenge and refuses a token request whose `code_verifier` does not match. Without
authlib's PKCE extension the mock also knows no public clients (token endpoint auth `none`);
the test lets its code grant accept them, as a provider with PKCE does.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import werkzeug.serving
from oidc_provider_mock import User
from oidc_provider_mock import app as provider_app
from oidc_provider_mock._app import AuthorizationCodeGrant

from dashboard.config import DashboardSettings
from dashboard.entrypoints.web_session import OIDC_COOKIE, SESSION_COOKIE

from .signin_support import Clock, build_app

DASHBOARD = "http://dashboard.test"
USERS = [
    User(sub="li.wei", claims={"unit": "YN-KM", "preferred_username": "li.wei"}),
    User(sub="org-unit", claims={"department": "YN", "preferred_username": "zhao"}),
    User(sub="no.unit", claims={"preferred_username": "no.unit"}),
    User(sub="elsewhere", claims={"unit": "NOWHERE"}),
]


class PkceEnforcer:
    """WSGI middleware: the provider's codes are redeemed only with the right verifier."""

    def __init__(self, app) -> None:
        self.app = app
        self.challenges: dict[str, tuple[str, str]] = {}
        self.authorize_queries: list[dict[str, list[str]]] = []
        self.token_forms: list[dict[str, list[str]]] = []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/authorize":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            self.authorize_queries.append(query)

            def remember(status, headers, exc_info=None):
                location = dict(headers).get("Location", "")
                code = parse_qs(urlsplit(location).query).get("code")
                if code:
                    self.challenges[code[0]] = (
                        query.get("code_challenge", [""])[0],
                        query.get("code_challenge_method", [""])[0],
                    )
                return start_response(status, headers, exc_info)

            return self.app(environ, remember)
        if path == "/oauth2/token" and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            form = parse_qs(body.decode())
            self.token_forms.append(form)
            code = form.get("code", [""])[0]
            verifier = form.get("code_verifier", [""])[0]
            challenge, method = self.challenges.pop(code, ("", ""))
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if method != "S256" or not verifier or expected != challenge:
                payload = json.dumps({"error": "invalid_grant", "error_description": "PKCE"})
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [payload.encode()]
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[str, PkceEnforcer]]:
    patch = pytest.MonkeyPatch()
    methods = [*AuthorizationCodeGrant.TOKEN_ENDPOINT_AUTH_METHODS, "none"]
    patch.setattr(AuthorizationCodeGrant, "TOKEN_ENDPOINT_AUTH_METHODS", methods)
    enforcer = PkceEnforcer(provider_app(user_claims=USERS, require_nonce=True))
    server = werkzeug.serving.make_server("localhost", 0, enforcer, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}", enforcer
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        patch.undo()


def dashboard_for(issuer: str, secret: str | None = None, claim: str = "unit"):
    settings = DashboardSettings(
        dashboard_oidc_issuer=issuer,
        dashboard_oidc_client_id="complaints-dashboard",
        dashboard_oidc_client_secret=secret,
        dashboard_oidc_unit_claim=claim,
    )
    return build_app(settings, clock=Clock())


def browser(app) -> httpx.AsyncClient:
    """A client that reaches the dashboard in process and the provider over its socket."""
    return httpx.AsyncClient(
        mounts={DASHBOARD: httpx.ASGITransport(app=app)},
        follow_redirects=True,
        timeout=10,
    )


async def sign_in_at_provider(client: httpx.AsyncClient, subject: str) -> httpx.Response:
    form = await client.get(f"{DASHBOARD}/auth/oidc/start?next=/dashboard%3Funit%3DYN-KM-01")
    assert form.status_code == 200, form.text
    assert "/oauth2/authorize" in str(form.url)  # the provider's form to pick the subject
    return await client.post(str(form.url), data={"sub": subject})


@pytest.mark.parametrize("secret", [None, "a-client-secret"], ids=["public", "confidential"])
async def test_the_code_flow_with_pkce_opens_a_session_for_the_claimed_unit(provider, secret):
    issuer, enforcer = provider
    app = dashboard_for(issuer, secret)
    async with browser(app) as client:
        page = await client.get(f"{DASHBOARD}/auth/login")
        assert "使用机构统一身份登录" in page.text and 'id="oidc"' in page.text
        done = await sign_in_at_provider(client, "li.wei")
        assert done.status_code == 200, done.text
        assert str(done.url).startswith(f"{DASHBOARD}/auth/oidc/callback?code=")
        # A same-site page that moves on, so that the Strict cookie goes with the next request.
        assert 'http-equiv="refresh" content="0;url=/dashboard?unit=YN-KM-01"' in done.text
        me = (await client.get(f"{DASHBOARD}/auth/me")).json()
        assert (me["unit"], me["user"], me["via"]) == ("YN-KM", "li.wei", "oidc")
        dashboard = await client.get(f"{DASHBOARD}/dashboard?unit=YN-KM-01")
        assert dashboard.status_code == 200 and "li.wei" in dashboard.text
        scopes = (await client.get(f"{DASHBOARD}/v1/dashboard/scopes")).json()
        assert scopes["caller"] == "YN-KM"
        assert SESSION_COOKIE in client.cookies and OIDC_COOKIE not in client.cookies
    asked = enforcer.authorize_queries[-1]
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"] and asked["state"]
    assert asked["redirect_uri"] == [f"{DASHBOARD}/auth/oidc/callback"]
    assert asked["scope"][0].split() == ["openid", "profile"]
    sent = enforcer.token_forms[-1]
    assert sent["code_verifier"] and sent["grant_type"] == ["authorization_code"]
    assert ("client_secret" in sent) is False  # a secret goes in the Basic header, if any
    assert not enforcer.challenges  # the code was redeemed, with the right verifier


async def test_the_unit_claim_is_a_setting(provider):
    issuer, _ = provider
    async with browser(dashboard_for(issuer, claim="department")) as client:
        await sign_in_at_provider(client, "org-unit")
        assert (await client.get(f"{DASHBOARD}/auth/me")).json()["unit"] == "YN"


@pytest.mark.parametrize("subject", ["no.unit", "elsewhere"])
async def test_a_user_without_a_unit_of_the_organisation_gets_no_session(provider, subject):
    issuer, _ = provider
    async with browser(dashboard_for(issuer)) as client:
        refused = await sign_in_at_provider(client, subject)
        assert refused.status_code == 403
        assert "未关联本机构的任何单位" in refused.text
        assert (await client.get(f"{DASHBOARD}/auth/me")).status_code == 401


async def test_a_callback_from_another_browser_or_replayed_is_refused(provider):
    issuer, _ = provider
    app = dashboard_for(issuer)
    async with browser(app) as attacker:
        form = await attacker.get(f"{DASHBOARD}/auth/oidc/start")
        answer = await attacker.post(str(form.url), data={"sub": "li.wei"}, follow_redirects=False)
        callback = answer.headers["location"]
    async with browser(app) as victim:  # lured to the attacker's callback: no binding cookie
        refused = await victim.get(callback)
        assert refused.status_code == 400
        assert (await victim.get(f"{DASHBOARD}/auth/me")).status_code == 401
    async with browser(app) as again:
        assert (await again.get(callback)).status_code == 400  # state used up


async def test_a_refusal_at_the_provider_is_shown_on_the_sign_in_page(provider):
    issuer, _ = provider
    async with browser(dashboard_for(issuer)) as client:
        form = await client.get(f"{DASHBOARD}/auth/oidc/start")
        denied = await client.post(str(form.url), data={"action": "deny"})
        assert "error=access_denied" in str(denied.url)
        assert denied.status_code == 400
        assert "统一身份登录失败" in denied.text
        assert (await client.get(f"{DASHBOARD}/auth/me")).status_code == 401


async def test_an_unreachable_provider_is_a_503_page():
    async with browser(dashboard_for("http://127.0.0.1:9")) as client:
        answer = await client.get(f"{DASHBOARD}/auth/oidc/start")
        assert answer.status_code == 503
        assert "统一身份登录失败" in answer.text
