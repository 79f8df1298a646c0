"""What the OpenAPI documents about errors: the `Problem` schema (RFC 9457) under
`application/problem+json`, declared per operation with `problem_responses(401, 404, ...)`.

`document_problems(app)` (done by `create_service_app`) adds the schema to
`components.schemas`; the bearer scheme (`bearerAuth`) comes from `auth.caller_unit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from .problems import PROBLEM_JSON

PROBLEM_SCHEMA = "Problem"
PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}

DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or invalid bearer token (with `WWW-Authenticate: Bearer`)",
    403: "Forbidden for the caller's unit",
    404: "Unknown, or not visible to the caller",
    409: "Not allowed now (`complaint_status`, `allowed_actions`), or an idempotency key reused",
    410: "Gone (personal data erased)",
    413: "Request body too large",
    422: "Invalid request (`errors` names each bad field)",
    429: "Too many requests (`Retry-After`)",
    503: "Service unavailable, try again (`Retry-After`)",
}


class FieldError(BaseModel):
    field: str
    message: str


class ProblemDocument(BaseModel):
    """An RFC 9457 problem details document, as every error answers (`components.schemas`
    names it `Problem`)."""

    model_config = ConfigDict(extra="allow", title=PROBLEM_SCHEMA)

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    complaint_status: str | None = None
    allowed_actions: list[str] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: each status answered with a `Problem` as problem+json."""
    return {
        status: {
            "description": DESCRIPTIONS.get(status, "Problem"),
            "content": {PROBLEM_JSON: {"schema": dict(PROBLEM_REF)}},
        }
        for status in statuses
    }


def problem_schemas() -> dict[str, Any]:
    """`Problem` and what it refers to, as `components.schemas` entries."""
    schema = ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    return {**definitions, PROBLEM_SCHEMA: schema}


def document_problems(app: FastAPI) -> None:
    """Make the app's OpenAPI carry the `Problem` schema that `problem_responses` refers to."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {}).update(problem_schemas())
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
