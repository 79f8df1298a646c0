"""Problem details (RFC 9457), the body-size limit and bearer auth, via a tiny in-process app."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import jwt
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa_exc

from complaints_shared.http.auth import caller_unit, issue_token, unit_from_token
from complaints_shared.http.body_limit import BodyLimitMiddleware
from complaints_shared.http.problems import (
    PROBLEM_JSON,
    Problem,
    field_error,
    install_problem_handlers,
)

with warnings.catch_warnings():  # starlette asks for httpx2 instead of httpx; both are in-process
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SECRET = "a-test-secret-long-enough-for-hs256-keys"
EXP = {"exp": int(datetime.now(UTC).timestamp()) + 600}
LIMIT = 200
EN = {"Accept-Language": "en"}


class Customer(BaseModel):
    name: str
    phone: str = Field(pattern=r"^[0-9+ ]+$")


class Complaint(BaseModel):
    summary: str
    customer: Customer


class Accepted(BaseModel):
    type: Literal["accepted"]
    unit: str


class TransferRequested(BaseModel):
    type: Literal["transfer_requested"]
    reason: str


Action = Annotated[Accepted | TransferRequested, Field(discriminator="type")]


def build_app() -> FastAPI:
    app = FastAPI()
    app.state.jwt_secret = SECRET
    install_problem_handlers(app, union_tags={"accepted", "transfer_requested"})
    app.add_middleware(BodyLimitMiddleware, max_bytes=LIMIT)

    @app.post("/complaints")
    async def complaints(body: Complaint) -> dict:
        return {"summary": body.summary}

    @app.post("/actions")
    async def actions(body: Action) -> dict:
        return {"type": body.type}

    @app.get("/conflict")
    async def conflict() -> None:
        raise Problem(409, "Idempotency key reused", "another body", errors=[field_error("k", "m")])

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("password=hunter2 leaked")

    @app.get("/database-shutting-down")
    async def database_shutting_down() -> None:
        # What SQLAlchemy raises while PostgreSQL shuts down: no class of TRANSIENT, but
        # SQLSTATE 57P03 (cannot connect now).
        origin = Exception("the database system is shutting down")
        origin.sqlstate = "57P03"  # type: ignore[attr-defined]
        raise sa_exc.DBAPIError("SELECT 1", {}, origin)

    @app.get("/database-away")
    async def database_away() -> None:
        raise ConnectionRefusedError("postgres is down")

    @app.get("/whoami")
    async def whoami(unit: Annotated[str, Depends(caller_unit)]) -> dict:
        return {"unit": unit}

    return app


@pytest.fixture(scope="module")
def client():
    with TestClient(build_app(), raise_server_exceptions=False) as client:
        yield client


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    return body


def fields(body: dict) -> list[str]:
    return [e["field"] for e in body["errors"]]


def test_a_valid_body_passes(client):
    body = {"summary": "s", "customer": {"name": "n", "phone": "+86 138"}}
    assert client.post("/complaints", json=body).json() == {"summary": "s"}


def test_a_nested_bad_field_is_named_by_its_dotted_path(client):
    body = {"summary": "s", "customer": {"name": "n", "phone": "call me"}}
    answer = problem(client.post("/complaints", json=body), 422)
    assert fields(answer) == ["customer.phone"]
    assert answer["instance"] == "/complaints"
    assert answer["detail"].startswith("customer.phone: ")


def test_every_bad_field_is_reported(client):
    answer = problem(client.post("/complaints", json={"customer": {}}), 422)
    assert sorted(fields(answer)) == ["customer.name", "customer.phone", "summary"]


def test_an_unknown_union_tag_is_reported_as_the_type_field(client):
    answer = problem(client.post("/actions", json={"type": "teleported", "unit": "X"}), 422)
    assert fields(answer) == ["type"]


def test_a_missing_union_tag_is_reported_as_the_type_field(client):
    answer = problem(client.post("/actions", json={"unit": "X"}), 422)
    assert fields(answer) == ["type"]


def test_a_bad_field_of_a_union_member_is_named_without_the_tag(client):
    answer = problem(client.post("/actions", json={"type": "transfer_requested"}), 422)
    assert fields(answer) == ["reason"]


def test_a_raised_problem_becomes_its_document(client):
    answer = problem(client.get("/conflict", headers=EN), 409)
    assert answer["title"] == "Idempotency key reused"
    assert answer["detail"] == "another body"
    assert answer["errors"] == [{"field": "k", "message": "m"}]


def test_an_unhandled_exception_is_a_500_that_reveals_nothing(client):
    response = client.get("/boom")
    answer = problem(response, 500)
    assert answer["title"] == "内部错误"
    assert "detail" not in answer
    assert "hunter2" not in response.text and "RuntimeError" not in response.text


def test_an_unreachable_dependency_is_a_503_to_retry(client):
    response = client.get("/database-away")
    problem(response, 503)
    assert response.headers["retry-after"] == "1"
    assert "postgres" not in response.text


def test_a_database_shutting_down_is_a_503_too(client):
    response = client.get("/database-shutting-down")
    problem(response, 503)
    assert response.headers["retry-after"] == "1"


def test_an_unknown_route_is_a_404_problem(client):
    problem(client.get("/nowhere"), 404)


def test_a_body_declared_over_the_limit_is_refused_with_413(client):
    response = client.post(
        "/complaints", content=b"x" * (LIMIT + 1), headers={"content-type": "application/json"}
    )
    answer = problem(response, 413)
    assert str(LIMIT) in answer["detail"]


def test_a_body_at_the_limit_is_let_through(client):
    frame = b'{"summary": "%s", "customer": {"name": "n", "phone": "1"}}'
    body = frame.replace(b"%s", b"s" * (LIMIT - len(frame) + 2))
    assert len(body) == LIMIT
    response = client.post(
        "/complaints", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text


def test_a_streamed_body_over_the_limit_is_refused_with_413(client):
    def chunks():
        for _ in range(LIMIT // 50 + 2):
            yield b"x" * 50

    response = client.post("/complaints", content=chunks())
    assert "content-length" not in response.request.headers
    problem(response, 413)


def test_issued_tokens_name_their_unit():
    assert unit_from_token(issue_token("YN-KM-01", SECRET), SECRET) == "YN-KM-01"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            issue_token("YN", "another-secret-of-sufficient-length-xx"), id="wrong-secret"
        ),
        pytest.param(issue_token("YN", SECRET, valid_for=timedelta(minutes=-5)), id="expired"),
        pytest.param(jwt.encode({"unit": "YN"}, SECRET, algorithm="HS256"), id="no-exp"),
        pytest.param(jwt.encode({"sub": "YN", **EXP}, SECRET, algorithm="HS256"), id="no-unit"),
        pytest.param(jwt.encode({"unit": "", **EXP}, SECRET, algorithm="HS256"), id="empty-unit"),
        pytest.param(jwt.encode({"unit": 7, **EXP}, SECRET, algorithm="HS256"), id="unit-not-str"),
        pytest.param("not.a.jwt", id="garbage"),
    ],
)
def test_bad_tokens_are_a_401_problem(token):
    with pytest.raises(Problem) as caught:
        unit_from_token(token, SECRET)
    assert caught.value.status == 401
    assert caught.value.headers is not None
    assert caught.value.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_an_issued_token_expires_after_its_validity():
    claims = jwt.decode(issue_token("YN", SECRET), SECRET, algorithms=["HS256"])
    expires = datetime.fromtimestamp(claims["exp"], UTC) - datetime.now(UTC)
    assert timedelta(minutes=59) < expires <= timedelta(hours=1)


def test_the_caller_dependency_reads_the_bearer_token(client):
    token = issue_token("YN-KM", SECRET)
    response = client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.json() == {"unit": "YN-KM"}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-header"),
        pytest.param({"Authorization": "Bearer not.a.jwt"}, id="bad-token"),
        pytest.param({"Authorization": f"Basic {issue_token('YN', SECRET)}"}, id="not-bearer"),
    ],
)
def test_the_caller_dependency_answers_401_problems(client, headers):
    response = client.get("/whoami", headers=headers)
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
