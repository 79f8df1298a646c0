"""Bearer JWT (HS256 by default) whose `unit` claim names the caller's unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .problems import Problem

bearer = HTTPBearer(auto_error=False, description="JWT whose `unit` claim names the caller")


def issue_token(unit: str, secret: str, *, valid_for: timedelta = timedelta(days=30)) -> str:
    now = datetime.now(UTC)
    claims = {"unit": unit, "iat": now, "exp": now + valid_for}
    return jwt.encode(claims, secret, algorithm="HS256")


def unit_from_token(token: str, secret: str) -> str:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["unit"]})
    except jwt.PyJWTError as exc:
        raise Problem(401, "Invalid token", str(exc)) from exc
    unit = claims.get("unit")
    if not isinstance(unit, str) or not unit:
        raise Problem(401, "Invalid token", "the `unit` claim must name a unit")
    return unit


async def caller_unit(request: Request) -> str:
    """FastAPI dependency: the authenticated caller's unit id."""
    credentials: HTTPAuthorizationCredentials | None = await bearer(request)
    if credentials is None:
        raise Problem(401, "Missing bearer token", "send Authorization: Bearer <JWT>")
    return unit_from_token(credentials.credentials, request.app.state.jwt_secret)
