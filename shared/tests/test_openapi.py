"""The OpenAPI documents the bearer scheme and every operation's problem responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.testclient import TestClient

from complaints_shared.http.auth import caller_unit
from complaints_shared.http.openapi import problem_responses
from complaints_shared.runtime import create_service_app

SECRET = "a-test-secret-of-at-least-32-bytes"


async def _nothing(app) -> None:
    return None


def _app():
    app = create_service_app(title="t", description="t", startup=_nothing, shutdown=_nothing)
    app.state.jwt_secret = SECRET

    @app.get("/v1/things/{thing}", responses=problem_responses(401, 404, 422))
    async def thing(thing: str, caller: Annotated[str, Depends(caller_unit)]) -> dict[str, str]:
        return {"thing": thing, "caller": caller}

    return app


def test_the_bearer_scheme_is_declared_and_required():
    spec = _app().openapi()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "JWT"
    operation = spec["paths"]["/v1/things/{thing}"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]


def test_problem_responses_are_problem_json_with_the_shared_schema():
    spec = _app().openapi()
    responses = spec["paths"]["/v1/things/{thing}"]["get"]["responses"]
    for status in ("401", "404", "422"):
        content = responses[status]["content"]
        assert list(content) == ["application/problem+json"]
        assert content["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    schemas = spec["components"]["schemas"]
    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])
    assert {"complaint_status", "allowed_actions"} <= set(problem["properties"])
    assert set(problem["required"]) == {"title", "status"}
    assert "FieldError" in schemas
    assert "HTTPValidationError" not in schemas  # the 422 is the problem, not FastAPI's


def test_behaviour_is_unchanged_a_missing_or_bad_token_is_a_401_problem():
    client = TestClient(_app())
    missing = client.get("/v1/things/a")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"] == "Bearer"
    bad = client.get("/v1/things/a", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    basic = client.get("/v1/things/a", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401 and basic.headers["www-authenticate"] == "Bearer"
