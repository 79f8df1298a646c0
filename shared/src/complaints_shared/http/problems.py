"""RFC 9457 problem details for every error, naming each bad field.

Problems are raised with English titles and details; the handlers answer in the reader's language
(`i18n`: Chinese by default, English when `Accept-Language` prefers it), with `Content-Language`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import TRANSIENT, is_transient
from ..logging import get_logger
from .i18n import (
    CONTENT_LANGUAGE,
    Language,
    negotiate,
    translate_text,
    translate_title,
    validation_message,
)

PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        type: str = "about:blank",
        extensions: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors, self.type = (
            status,
            title,
            detail,
            errors,
            type,
        )
        self.extensions = extensions or {}  # RFC 9457 extension members
        self.headers = headers


def field_error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def language_of(request: Request) -> Language:
    """The language a problem document for this request is written in."""
    return negotiate(request.headers.get("accept-language"))


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str | None = None,
    errors: list[dict[str, str]] | None = None,
    type: str = "about:blank",
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    """The problem document, its English title, detail and field messages translated into the
    request's language (field names and extension members stay as they are)."""
    language = language_of(request)
    return _document(
        request,
        language,
        status,
        translate_title(title, language, status),
        translate_text(detail, language) if detail else detail,
        [localized_error(e, language) for e in errors] if errors else errors,
        type,
        headers,
        extensions,
    )


def localized_error(error: dict[str, str], language: Language) -> dict[str, str]:
    message = error.get("message")
    if message is None:
        return error
    return {**error, "message": translate_text(message, language)}


def _document(
    request: Request,
    language: Language,
    status: int,
    title: str,
    detail: str | None,
    errors: list[dict[str, str]] | None,
    type: str,
    headers: dict[str, str] | None,
    extensions: dict[str, Any] | None,
) -> JSONResponse:
    body: dict[str, Any] = {
        **(extensions or {}),
        "type": type,
        "title": title,
        "status": status,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    answer_headers = dict(headers or {})
    answer_headers["Content-Language"] = CONTENT_LANGUAGE[language]
    vary = answer_headers.get("Vary")
    answer_headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=answer_headers)


def _field_name(error: dict[str, Any], tags: frozenset[str] | set[str]) -> str:
    """The dotted name of the bad field, as the client wrote it ('customer.phone')."""
    parts = [str(p) for p in error["loc"]]
    if parts and parts[0] == "body":
        parts = parts[1:]
    # A discriminated union puts the tag value into the location: not a field of the client's.
    parts = [p for i, p in enumerate(parts) if not (i == 0 and p in tags)]
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        parts.append("type")
    return ".".join(parts) or "body"


def install_problem_handlers(
    app: FastAPI, *, union_tags: frozenset[str] | set[str] = frozenset()
) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        language = language_of(request)
        errors = [
            field_error(_field_name(e, union_tags), validation_message(e, language))
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        title = translate_title("Invalid request", language, 422)
        return _document(request, language, 422, title, detail, errors, "about:blank", None, None)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            request,
            exc.status,
            exc.title,
            exc.detail,
            exc.errors,
            exc.type,
            headers=exc.headers,
            extensions=exc.extensions,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None)
        )

    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("dependency unavailable", path=request.url.path, error=repr(exc))
        return problem_response(
            request, 503, "Service unavailable", "try again shortly", headers={"Retry-After": "1"}
        )

    for transient in TRANSIENT:
        app.add_exception_handler(transient, _unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):  # e.g. "the database system is shutting down" (57P03)
            return await _unavailable(request, exc)
        log.exception("unhandled error", path=request.url.path)
        return problem_response(request, 500, "Internal error")
