"""The page's sign-in: unit accounts (argon2), sessions in an HttpOnly SameSite=Strict cookie
with idle expiry, sign-out, bearer tokens still accepted, and the stream needs one or the
other."""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie

import httpx
import pytest
from fastapi.testclient import TestClient

from complaints_shared.settings import ConfigurationError
from dashboard.adapters.accounts import AccountFile, parse_accounts
from dashboard.adapters.sessions import SessionStore
from dashboard.config import DashboardSettings
from dashboard.entrypoints import stream
from dashboard.entrypoints.signin import safe_next
from dashboard.entrypoints.web_session import SESSION_COOKIE

from .org import ORG
from .signin_support import FAST, Clock, accounts_file, bearer, build_app

ORIGIN = "http://testserver"


@pytest.fixture
def accounts(tmp_path):
    return accounts_file(tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def settings_for(path, **more) -> DashboardSettings:
    return DashboardSettings(dashboard_accounts_file=str(path), **more)


@pytest.fixture
def client(accounts, clock) -> TestClient:
    path, _ = accounts
    return TestClient(build_app(settings_for(path), clock=clock), follow_redirects=False)


def sign_in(client: TestClient, username: str, password: str, **more):
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, **more},
        headers={"Origin": str(client.base_url).rstrip("/")},
    )


def password_of(accounts, unit: str) -> tuple[str, str]:
    _, passwords = accounts
    return next((name, pw) for name, (u, pw) in passwords.items() if u == unit)


def set_cookie(response) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookie.load(header)
    return cookie


# -- accounts ---------------------------------------------------------------------------------


def test_the_right_password_opens_a_session_for_the_accounts_unit(client, accounts):
    name, password = password_of(accounts, "YN-KM")
    response = sign_in(client, name, password, next="/dashboard?unit=YN-KM-01&lang=en")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard?unit=YN-KM-01&lang=en"
    me = client.get("/auth/me").json()
    assert (me["unit"], me["user"], me["via"]) == ("YN-KM", "yn-km", "password")


@pytest.mark.parametrize("who", ["wrong password", "unknown user", "empty password"])
def test_a_wrong_password_or_an_unknown_user_gets_no_session(client, accounts, who):
    name, password = password_of(accounts, "YN")
    username, secret = {
        "wrong password": (name, password + "x"),
        "unknown user": ("nobody", password),
        "empty password": (name, ""),
    }[who]
    response = sign_in(client, username, secret)
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert SESSION_COOKIE not in set_cookie(response)
    assert client.get("/auth/me").status_code == 401


def test_the_account_file_verifies_with_argon2(accounts):
    path, passwords = accounts
    file = AccountFile(path, ORG)
    name, password = password_of(accounts, "XJ")
    assert file.verify(name, password).unit == "XJ"
    assert file.verify(name, "guess") is None
    assert file.verify("nobody", password) is None
    text = path.read_text()
    assert password not in text and "$argon2id$" in text


def test_the_account_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text('{"accounts": []}')
    file = AccountFile(path, ORG)
    assert file.verify("late", "pw") is None
    path.write_text(
        f'[{{"username": "late", "unit": "YN-DL", "password_hash": "{FAST.hash("pw")}"}}]'
    )
    assert file.verify("late", "pw").unit == "YN-DL"


@pytest.mark.parametrize(
    "data, message",
    [
        ([{"username": "a", "unit": "NOWHERE", "password_hash": "$argon2id$x"}], "NOWHERE"),
        ([{"username": "a", "unit": "YN"}], "password_hash"),
        ([{"username": "a", "unit": "YN", "password_hash": "plain"}], "argon2"),
        ({"users": []}, "list"),
    ],
)
def test_a_bad_accounts_file_is_refused(data, message):
    with pytest.raises(ConfigurationError, match=message):
        parse_accounts(data, ORG)


# -- sessions ---------------------------------------------------------------------------------


def test_a_session_ends_after_the_idle_time_and_activity_keeps_it(client, accounts, clock):
    sign_in(client, *password_of(accounts, "YN"))
    for _ in range(3):  # each request starts the idle time again
        clock.advance(1799)
        assert client.get("/v1/dashboard/scopes").status_code == 200
    clock.advance(1800)
    assert client.get("/v1/dashboard/scopes").status_code == 401
    assert client.get("/auth/me").status_code == 401
    page = client.get("/dashboard")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/auth/login?next=%2Fdashboard&message=expired")


def test_the_idle_time_is_a_setting(accounts, clock):
    path, _ = accounts
    app = build_app(settings_for(path, dashboard_session_idle_seconds=60), clock=clock)
    client = TestClient(app, follow_redirects=False)
    sign_in(client, *password_of(accounts, "YN"))
    clock.advance(59)
    assert client.get("/auth/me").json()["idle_expires_in"] == 60
    clock.advance(60)
    assert client.get("/auth/me").status_code == 401


def test_the_store_checks_without_touching():
    clock = Clock()
    store = SessionStore(idle_seconds=10, clock=clock)
    sid = store.create("YN", "yn", "password")
    clock.advance(9)
    assert store.alive(sid)
    clock.advance(1)  # asking `alive` did not count as activity
    assert not store.alive(sid) and store.touch(sid) is None
    assert len(store) == 0


def test_the_cookie_is_httponly_samesite_strict_and_secure_only_over_https(accounts, clock):
    path, _ = accounts
    name, password = password_of(accounts, "YN")
    for base, forwarded, trust, secure in [
        ("http://testserver", None, False, False),
        ("https://testserver", None, False, True),
        ("http://testserver", "https", True, True),
        ("http://testserver", "https", False, False),  # not believed unless configured
    ]:
        app = build_app(settings_for(path, dashboard_trust_forwarded=trust), clock=clock)
        client = TestClient(app, base_url=base, follow_redirects=False)
        headers = {"Origin": "https://testserver" if secure else base}
        if forwarded:
            headers["X-Forwarded-Proto"] = forwarded
        response = client.post(
            "/auth/login", data={"username": name, "password": password}, headers=headers
        )
        assert response.status_code == 303, (base, forwarded, trust, response.text)
        morsel = set_cookie(response)[SESSION_COOKIE]
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "strict"
        assert morsel["path"] == "/"
        assert bool(morsel["secure"]) is secure, (base, forwarded, trust)
        assert not morsel["max-age"] and not morsel["expires"]  # ends with the browser too
        assert len(morsel.value) >= 43  # 256 random bits


def test_every_sign_in_gets_a_new_session_id(client, accounts):
    sign_in(client, *password_of(accounts, "YN"))
    first = client.cookies[SESSION_COOKIE]
    sign_in(client, *password_of(accounts, "XJ"))
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    client.cookies.set(SESSION_COOKIE, first)
    assert client.get("/auth/me").status_code == 401  # the earlier one ended


def test_sign_out_ends_the_session_and_clears_the_cookie(client, accounts):
    sign_in(client, *password_of(accounts, "YN"))
    sid = client.cookies[SESSION_COOKIE]
    response = client.post("/auth/logout", headers={"Origin": ORIGIN})
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login?message=signed_out"
    morsel = set_cookie(response)[SESSION_COOKIE]
    assert morsel.value == "" and morsel["max-age"] == "0"
    client.cookies.set(SESSION_COOKIE, sid)  # the old id, replayed
    assert client.get("/auth/me").status_code == 401
    assert client.get("/v1/dashboard/summary").status_code == 401
    fetched = client.post("/auth/logout", headers={"Origin": ORIGIN, "Accept": "application/json"})
    assert fetched.status_code == 204


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "https://evil.example"}, {"Origin": "null"}, {"Referer": "http://evil/x"}],
)
def test_posts_from_another_origin_are_refused(client, accounts, headers):
    name, password = password_of(accounts, "YN")
    refused = client.post(
        "/auth/login", data={"username": name, "password": password}, headers=headers
    )
    assert refused.status_code == 403
    sign_in(client, name, password)
    assert client.post("/auth/logout", headers=headers).status_code == 403
    assert client.get("/auth/me").status_code == 200  # still signed in
    same = client.post("/auth/logout", headers={"Referer": f"{ORIGIN}/dashboard"})
    assert same.status_code == 303  # a Referer of this origin will do without Origin


# -- the page and its sign-in page -----------------------------------------------------------


def test_the_page_sends_a_browser_without_a_session_to_sign_in(client, accounts):
    response = client.get("/dashboard?lang=en&unit=YN-KM")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == "/auth/login?lang=en&next=%2Fdashboard%3Flang%3Den%26unit%3DYN-KM"
    form = client.get(location)
    assert form.status_code == 200 and "Username" in form.text
    assert 'value="/dashboard?lang=en&amp;unit=YN-KM"' in form.text
    assert '<p hidden><a id="oidc"' in form.text  # no identity provider configured
    sign_in(client, *password_of(accounts, "YN"))
    page = client.get("/dashboard?lang=en")
    assert page.status_code == 200 and "yn · YN" in page.text


def test_the_sign_in_page_is_chinese_by_default(client):
    page = client.get("/auth/login")
    assert page.status_code == 200
    assert 'lang="zh-CN"' in page.text and "用户名" in page.text and "密码" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_without_any_way_to_sign_in_the_page_says_so():
    app = build_app(DashboardSettings())
    page = TestClient(app).get("/auth/login?lang=en")
    assert "No way to sign in is configured" in page.text


@pytest.mark.parametrize(
    "value, expected",
    [
        ("/dashboard?unit=YN", "/dashboard?unit=YN"),
        ("//evil.example/dashboard", "/dashboard"),
        ("https://evil.example/dashboard", "/dashboard"),
        ("/dashboardx", "/dashboard"),
        ("/auth/logout", "/dashboard"),
        ("/dashboard\\..", "/dashboard"),
        (None, "/dashboard"),
    ],
)
def test_after_signing_in_only_a_dashboard_page(value, expected):
    assert safe_next(value) == expected


# -- bearer tokens and the stream --------------------------------------------------------------


def test_bearer_tokens_still_work_and_win_over_the_cookie(client, accounts):
    assert client.get("/v1/dashboard/scopes", headers=bearer("XJ")).json()["caller"] == "XJ"
    sign_in(client, *password_of(accounts, "YN"))
    assert client.get("/v1/dashboard/scopes").json()["caller"] == "YN"
    assert client.get("/v1/dashboard/scopes", headers=bearer("XJ")).json()["caller"] == "XJ"
    bad = client.get("/v1/dashboard/scopes", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401  # a bad token is not rescued by a good cookie
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    assert client.get("/auth/me", headers=bearer("XJ")).json() == {
        "unit": "XJ",
        "label": "XJ",
        "via": "bearer",
    }


def test_the_stream_refuses_without_a_session_or_a_token(client):
    refused = client.get("/v1/dashboard/stream")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    token = bearer("YN")["Authorization"].removeprefix("Bearer ")
    in_url = client.get("/v1/dashboard/stream", params={"token": token})
    assert in_url.status_code == 401  # no token in a URL any more
    other = client.get("/v1/dashboard/stream", params={"unit": "XJ"}, headers=bearer("YN"))
    assert other.status_code == 403


async def test_the_stream_ends_when_its_session_is_signed_out(accounts, clock, monkeypatch):
    monkeypatch.setattr(stream, "SESSION_CHECK_SECONDS", 0.02)
    path, _ = accounts
    app = build_app(settings_for(path), clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
        name, password = password_of(accounts, "YN")
        await client.post(
            "/auth/login",
            data={"username": name, "password": password},
            headers={"Origin": ORIGIN},
        )
        opened = asyncio.create_task(client.get("/v1/dashboard/stream"))
        await asyncio.sleep(0.2)
        assert not opened.done()  # streaming while the session holds
        await client.post("/auth/logout", headers={"Origin": ORIGIN})
        response = await asyncio.wait_for(opened, timeout=5)
    assert response.status_code == 200
    assert response.text.startswith("retry: 1000\nevent: hello")


async def test_the_stream_ends_when_its_session_goes_idle(monkeypatch):
    monkeypatch.setattr(stream, "SESSION_CHECK_SECONDS", 0.01)
    monkeypatch.setattr(stream, "HEARTBEAT_SECONDS", 0.05)
    clock = Clock()
    store = SessionStore(idle_seconds=30, clock=clock)
    sid = store.create("YN", "yn", "password")
    app = build_app(DashboardSettings())
    feed = app.state.feed

    async def version() -> str:
        return "v1"

    async def holds() -> bool:
        return store.alive(sid)

    events = stream._events(feed, version, holds)
    assert (await anext(events)).endswith('event: hello\ndata: {"version": "v1"}\n\n')
    assert "heartbeat" in await anext(events)  # its checks do not count as activity...
    clock.advance(30)  # ...so 30 s without a request end it
    assert [m async for m in events] == []
