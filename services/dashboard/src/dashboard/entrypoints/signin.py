"""Signing in to the page: unit accounts (a form) or the organisation's identity provider.

- `GET /auth/login` the sign-in page (Chinese; `?lang=en`): username and password when unit
  accounts are configured, and "sign in with the organisation" when OpenID Connect is;
- `POST /auth/login` the form: a new session and its cookie, then back to the page (`next`);
- `GET /auth/oidc/start` to the identity provider (code flow, PKCE S256, state, nonce);
- `GET /auth/oidc/callback` its answer: the unit from the configured claim, a new session;
- `POST /auth/logout` ends the session (its streams end too) and clears the cookie;
- `GET /auth/me` who the session (or bearer token) is.

POSTs must come from the dashboard's own origin (see `web_session`). Every sign-in gets a new
session id, so an id planted before it is worth nothing.
"""

from __future__ import annotations

import secrets
from html import escape
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from complaints_shared.http.auth import verifier_of
from complaints_shared.http.problems import Problem
from complaints_shared.logging import get_logger

from ..adapters.accounts import AccountFile
from ..adapters.oidc import OidcSignIn, SignInFailed
from ..adapters.sessions import PendingSignIn, PendingSignIns, SessionStore
from ..domain.scope import label
from .labels import words
from .web_session import (
    OIDC_COOKIE,
    OIDC_COOKIE_PATH,
    bearer_token,
    check_same_origin,
    clear_session_cookie,
    current_session,
    is_secure,
    session_id,
    set_session_cookie,
)

router = APIRouter(prefix="/auth", include_in_schema=False)
log = get_logger(__name__)
Lang = Annotated[Literal["zh", "en"], Query()]
MAX_FORM_BYTES = 8192
STATIC_DIR = Path(str(files("dashboard") / "static"))
_SIGN_IN = Template((STATIC_DIR / "signin.html").read_text(encoding="utf-8"))
_SIGNED_IN = Template((STATIC_DIR / "signed_in.html").read_text(encoding="utf-8"))
NO_STORE = {"Cache-Control": "no-store"}


def safe_next(value: str | None, lang: str = "zh") -> str:
    """Where to go after signing in: a page of this dashboard only (no open redirect)."""
    default = "/dashboard?lang=en" if lang == "en" else "/dashboard"
    if not value or "\\" in value or any(ord(c) < 0x20 for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/dashboard"):
        return default
    if parts.path not in ("/dashboard", "/dashboard/"):
        return default
    return value


def login_url(lang: str, next_: str | None = None, message: str | None = None) -> str:
    query: dict[str, str] = {}
    if lang == "en":
        query["lang"] = "en"
    if next_:
        query["next"] = next_
    if message:
        query["message"] = message
    return "/auth/login" + (f"?{urlencode(query)}" if query else "")


def _accounts(request: Request) -> AccountFile | None:
    return getattr(request.app.state, "accounts", None)


def _oidc(request: Request) -> OidcSignIn | None:
    return getattr(request.app.state, "oidc", None)


def _sessions(request: Request) -> SessionStore:
    store: SessionStore | None = getattr(request.app.state, "sessions", None)
    if store is None:
        raise Problem(404, "Not found", "sign-in is not enabled")
    return store


MESSAGES = {  # ?message= of the sign-in page: a word, never text from the address
    "signed_out": ("signed_out", "note"),
    "expired": ("expired", "note"),
    "bad_login": ("bad_login", "error"),
    "oidc_failed": ("oidc_failed", "error"),
    "no_unit": ("no_unit", "error"),
}


def sign_in_page(
    request: Request,
    lang: str,
    next_: str,
    *,
    message: str | None = None,
    detail: str = "",
    username: str = "",
    status: int = 200,
) -> HTMLResponse:
    w = words(lang)
    text = {f"t_{key.replace('.', '_')}": escape(value) for key, value in w.items()}
    has_password = _accounts(request) is not None
    has_oidc = _oidc(request) is not None
    shown = ""
    css = "note"
    if message in MESSAGES:
        key, css = MESSAGES[message]
        shown = w[key] + (f": {detail}" if detail else "")
    elif not has_password and not has_oidc:
        shown, css = w["no_sign_in"], "error"
    other = "en" if lang == "zh" else "zh"
    other_query = {"next": next_} | ({"lang": "en"} if other == "en" else {})
    oidc_query = {"next": next_} | ({"lang": "en"} if lang == "en" else {})
    hidden = "hidden"
    html = _SIGN_IN.substitute(
        text,
        lang=lang,
        html_lang="zh-CN" if lang == "zh" else "en",
        other_lang_href=escape(f"/auth/login?{urlencode(other_query)}"),
        other_lang_label="English" if other == "en" else "中文",
        message=escape(shown),
        message_class=css,
        message_hidden="" if shown else hidden,
        next=escape(next_),
        username=escape(username),
        password_hidden="" if has_password else hidden,
        or_hidden="" if has_password and has_oidc else hidden,
        oidc_hidden="" if has_oidc else hidden,
        oidc_href=escape(f"/auth/oidc/start?{urlencode(oidc_query)}"),
    )
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


@router.get("/login")
async def login_page(
    request: Request,
    lang: Lang = "zh",
    next: str | None = None,
    message: str | None = None,
) -> Response:
    target = safe_next(next, lang)
    if current_session(request) is not None and message is None:
        return RedirectResponse(target, status_code=303, headers=NO_STORE)
    return sign_in_page(request, lang, target, message=message)


async def _form(request: Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Problem(415, "Unsupported media type", "send the sign-in form")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise Problem(413, "Content too large", f"a form of at most {MAX_FORM_BYTES} bytes")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


def _start_session(request: Request, response: Response, unit: str, user: str, method: Any) -> None:
    store = _sessions(request)
    store.end(session_id(request))  # whatever id the browser had is not reused
    set_session_cookie(response, request, store.create(unit, user, method))


@router.post("/login")
async def login(request: Request) -> Response:
    check_same_origin(request)
    form = await _form(request)
    lang = "en" if form.get("lang") == "en" else "zh"
    target = safe_next(form.get("next"), lang)
    accounts = _accounts(request)
    username = form.get("username", "").strip()
    password = form.get("password", "")
    account = None
    if accounts is not None and username and password:
        account = await run_in_threadpool(accounts.verify, username, password)
    if account is None:
        log.info("dashboard sign-in refused", username=username[:64])
        return sign_in_page(
            request, lang, target, message="bad_login", username=username, status=401
        )
    response = RedirectResponse(target, status_code=303, headers=NO_STORE)
    _start_session(request, response, account.unit, account.username, "password")
    log.info("dashboard sign-in", username=account.username, unit=account.unit, method="password")
    return response


@router.get("/oidc/start")
async def oidc_start(request: Request, lang: Lang = "zh", next: str | None = None) -> Response:
    oidc = _oidc(request)
    if oidc is None:
        raise Problem(404, "Not found", "sign-in with the organisation is not configured")
    target = safe_next(next, lang)
    redirect_uri = str(request.url_for("oidc_callback"))
    if is_secure(request) and redirect_uri.startswith("http://"):
        redirect_uri = "https://" + redirect_uri.removeprefix("http://")
    try:
        started = await oidc.begin(redirect_uri)
    except SignInFailed as exc:
        log.warning("OIDC sign-in cannot start", error=str(exc))
        return sign_in_page(
            request, lang, target, message="oidc_failed", detail=str(exc), status=503
        )
    browser = secrets.token_urlsafe(32)
    pending: PendingSignIns = request.app.state.pending_sign_ins
    pending.put(
        started["state"],
        PendingSignIn(
            browser=browser,
            data={k: started.get(k) for k in ("state", "nonce", "code_verifier", "redirect_uri")},
            next=target,
            lang=lang,
            started=pending.clock(),
        ),
    )
    response = RedirectResponse(started["url"], status_code=302, headers=NO_STORE)
    # Lax, not Strict: the callback is a navigation coming back from the provider's site.
    response.set_cookie(
        OIDC_COOKIE,
        browser,
        max_age=int(pending.max_age),
        path=OIDC_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
    )
    return response


@router.get("/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    oidc = _oidc(request)
    if oidc is None:
        raise Problem(404, "Not found", "sign-in with the organisation is not configured")
    params = dict(request.query_params)
    pending_store: PendingSignIns = request.app.state.pending_sign_ins
    pending = pending_store.take(params.get("state", ""), request.cookies.get(OIDC_COOKIE))
    if pending is None:
        return _oidc_refused(request, "zh", None, "the sign-in expired or began elsewhere")
    try:
        identity = await oidc.finish(pending.data, params)
    except SignInFailed as exc:
        log.warning("OIDC sign-in refused", error=str(exc))
        return _oidc_refused(request, pending.lang, pending.next, str(exc))
    org = request.app.state.org
    if identity.unit is None or identity.unit not in org:
        log.warning("OIDC user without a unit", subject=identity.subject, unit=identity.unit)
        return _oidc_refused(request, pending.lang, pending.next, None, message="no_unit")
    w = words(pending.lang)
    html = _SIGNED_IN.substitute(
        {f"t_{key.replace('.', '_')}": escape(value) for key, value in w.items()},
        html_lang="zh-CN" if pending.lang == "zh" else "en",
        next=escape(pending.next),
    )
    response = HTMLResponse(html, headers=NO_STORE)
    _start_session(request, response, identity.unit, identity.name, "oidc")
    response.delete_cookie(OIDC_COOKIE, path=OIDC_COOKIE_PATH, secure=is_secure(request))
    log.info("dashboard sign-in", username=identity.name, unit=identity.unit, method="oidc")
    return response


def _oidc_refused(
    request: Request,
    lang: str,
    next_: str | None,
    detail: str | None,
    *,
    message: str = "oidc_failed",
) -> Response:
    response = sign_in_page(
        request,
        lang,
        next_ or safe_next(None, lang),
        message=message,
        detail=detail or "",
        status=403 if message == "no_unit" else 400,
    )
    response.delete_cookie(OIDC_COOKIE, path=OIDC_COOKIE_PATH, secure=is_secure(request))
    return response


@router.post("/logout")
async def logout(request: Request, lang: Lang = "zh") -> Response:
    check_same_origin(request)
    store = getattr(request.app.state, "sessions", None)
    if store is not None:
        store.end(session_id(request))
    response: Response
    if "application/json" in request.headers.get("accept", ""):
        response = Response(status_code=204, headers=NO_STORE)
    else:
        response = RedirectResponse(
            login_url(lang, message="signed_out"), status_code=303, headers=NO_STORE
        )
    clear_session_cookie(response, request)
    return response


@router.get("/me")
async def me(request: Request) -> dict[str, Any]:
    """The signed-in unit: from a bearer token when one is sent, else from the session."""
    org = request.app.state.org
    if "authorization" in request.headers:
        token = await bearer_token(request)
        unit = await verifier_of(request.app).unit_of_async(token or "")
        return {"unit": unit, "label": label(org, unit), "via": "bearer"}
    session = current_session(request)
    if session is None:
        raise Problem(
            401,
            "Not signed in",
            "sign in at /auth/login",
            headers={"WWW-Authenticate": "Bearer"},
        )
    store = _sessions(request)
    return {
        "unit": session.unit,
        "label": label(org, session.unit),
        "user": session.user,
        "via": session.method,
        "idle_expires_in": round(store.idle_left(session)),
    }


def page_login_redirect(request: Request, lang: str) -> RedirectResponse:
    """For the page without a session: to the sign-in page, coming back to the same address."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    message = "expired" if session_id(request) else None
    return RedirectResponse(login_url(lang, here, message), status_code=303, headers=NO_STORE)
