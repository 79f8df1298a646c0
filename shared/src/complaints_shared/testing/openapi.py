"""Checks every service's OpenAPI tests share: the bearer scheme and problem+json errors."""

from __future__ import annotations

from typing import Any

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problem_json(operation: dict[str, Any], status: str) -> dict[str, Any]:
    """The schema an operation documents for `status` as application/problem+json."""
    content = operation["responses"][status]["content"]
    schema: dict[str, Any] = content["application/problem+json"]["schema"]
    return schema


def check_protected(spec: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    """The operation requires `bearerAuth` and documents its 401 as a problem."""
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "JWT whose `unit` claim names the caller",
    }
    operation: dict[str, Any] = spec["paths"][path][method]
    assert operation["security"] == [{"bearerAuth": []}]
    assert problem_json(operation, "401") == PROBLEM_REF
    assert "Problem" in spec["components"]["schemas"]
    return operation
