"""Who is asking: a bearer token (integrations) or the page's session cookie.

A request may carry either; the bearer token wins when an `Authorization` header is present
(an invalid one is a 401 even with a good cookie). The cookie holds only a random session id:
HttpOnly, SameSite=Strict, Path=/, Secure when the request came over HTTPS (or, with
`DASHBOARD_TRUST_FORWARDED`, when `X-Forwarded-Proto` says so). A request answered through
the session counts as activity for its idle expiry.

Cross-site request forgery: the cookie is SameSite=Strict, so no other site's page, link or
form makes the browser send it; and every POST under /auth must come from this origin
(`Origin`, else `Referer`, must be the dashboard's own). GETs change nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from complaints_shared.http.auth import Credentials, bearer, unauthorized, verifier_of
from complaints_shared.http.problems import Problem

if TYPE_CHECKING:
    from ..adapters.sessions import Session, SessionStore

SESSION_COOKIE = "dashboard_session"
OIDC_COOKIE = "dashboard_oidc"  # binds a sign-in at the identity provider to this browser
OIDC_COOKIE_PATH = "/auth/oidc"


def sessions_of(request: Request) -> SessionStore | None:
    return getattr(request.app.state, "sessions", None)


def session_id(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def current_session(request: Request) -> Session | None:
    """The request's session (its idle time starting again), or None."""
    store = sessions_of(request)
    return store.touch(session_id(request)) if store is not None else None


async def bearer_token(request: Request) -> str | None:
    credentials: HTTPAuthorizationCredentials | None = await bearer(request)
    return credentials.credentials if credentials is not None else None


async def caller(request: Request, credentials: Credentials) -> str:
    """FastAPI dependency: the caller's unit, from a bearer token, else the session (its
    operations declare the `bearerAuth` scheme)."""
    if "authorization" in request.headers:
        token = credentials.credentials if credentials is not None else None
        if token is None:
            raise unauthorized("Invalid token", "send Authorization: Bearer <JWT>")
        return await verifier_of(request.app).unit_of_async(token)
    session = current_session(request)
    if session is not None:
        return session.unit
    raise unauthorized(
        "Not signed in",
        "sign in at /auth/login, or send Authorization: Bearer <JWT>",
        token_sent=False,
    )


def is_secure(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    settings = getattr(request.app.state, "settings", None)
    if getattr(settings, "dashboard_trust_forwarded", False):
        forwarded = request.headers.get("x-forwarded-proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False


def own_origin(request: Request) -> str:
    scheme = "https" if is_secure(request) else request.url.scheme
    host = request.headers.get("host") or request.url.netloc
    return f"{scheme}://{host}".lower()


def check_same_origin(request: Request) -> None:
    """A POST must come from one of this dashboard's own pages (403 otherwise)."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer:
            parts = urlsplit(referer)
            origin = f"{parts.scheme}://{parts.netloc}"
    if origin is None or origin.lower() != own_origin(request):
        raise Problem(403, "Forbidden", "this request must come from the dashboard's own page")


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_secure(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=is_secure(request)
    )
