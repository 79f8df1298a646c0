"""Problem documents in the reader's language: Chinese by default, English on request."""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Annotated, Literal

import pytest
from fastapi import FastAPI
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from complaints_shared.http.body_limit import BodyLimitMiddleware
from complaints_shared.http.i18n import (
    negotiate,
    translate_text,
    translate_title,
    translated,
    validation_message,
)
from complaints_shared.http.problems import PROBLEM_JSON, Problem, field_error
from complaints_shared.http.problems import install_problem_handlers as install
from complaints_shared.runtime import create_service_app

with warnings.catch_warnings():  # starlette asks for httpx2 instead of httpx; both are in-process
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

EN = {"Accept-Language": "en"}


def _no_minutes(value: datetime) -> datetime:
    if value.minute:
        raise ValueError("a custom rule the catalogue does not know")
    return value


class Customer(BaseModel):
    name: str = Field(min_length=2)
    phone: str = Field(pattern=r"^[0-9+ ]+$")


class Complaint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(max_length=5)
    customer: Customer
    channel: Literal["hotline", "outlet", "web"]
    satisfaction: int = Field(ge=1, le=5)
    received_at: Annotated[datetime, AfterValidator(_no_minutes)]


class Accepted(BaseModel):
    type: Literal["accepted"]


class Resolved(BaseModel):
    type: Literal["resolved"]


GOOD = {
    "summary": "s",
    "customer": {"name": "王小明", "phone": "138"},
    "channel": "hotline",
    "satisfaction": 3,
    "received_at": "2026-10-08T16:00:00+08:00",
}


def build_app() -> FastAPI:
    app = FastAPI()
    app.state.jwt_secret = "a-test-secret-long-enough-for-hs256-keys"
    install(app, union_tags={"accepted", "resolved"})
    app.add_middleware(BodyLimitMiddleware, max_bytes=1000)

    @app.post("/complaints")
    async def complaints(body: Complaint) -> dict:
        return {"summary": body.summary}

    @app.post("/actions")
    async def actions(
        body: Annotated[Accepted | Resolved, Field(discriminator="type")],
    ) -> dict:
        return {"type": body.type}

    @app.get("/problem/{status}")
    async def raised(status: int) -> None:
        raise {
            401: Problem(401, "Missing bearer token", "send Authorization: Bearer <JWT>"),
            403: Problem(403, "Forbidden", "YN-KM may not read the clocks of YN"),
            404: Problem(404, "Unknown complaint", "no complaint c-1 visible to YN-KM"),
            409: Problem(
                409,
                "Not allowed now",
                "'closed' is not allowed while the complaint is registered",
                extensions={"complaint_status": "registered", "allowed_actions": ["accepted"]},
            ),
            429: Problem(429, "Too many requests", "try again shortly"),
            422: Problem(
                422,
                "Invalid request",
                "receiving_unit: unknown unit 'NOPE'; business_line: the moon is cheese",
                errors=[
                    field_error("receiving_unit", "unknown unit 'NOPE'"),
                    field_error("business_line", "the moon is cheese"),
                ],
            ),
        }[status]

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("unexpected")

    @app.get("/database-away")
    async def database_away() -> None:
        raise ConnectionRefusedError("postgres is down")

    return app


@pytest.fixture(scope="module")
def client():
    with TestClient(build_app(), raise_server_exceptions=False) as client:
        yield client


def problem(response, status: int, language: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["content-language"] == language
    assert "accept-language" in response.headers["vary"].lower()
    return response.json()


BAD = {
    "summary": "far too long",
    "customer": {"name": "王", "phone": "call me"},
    "channel": "fax",
    "satisfaction": 9,
    "received_at": "2026-10-08T16:30:00+08:00",
    "colour": "red",
}


def test_a_422_is_chinese_by_default_with_english_field_names(client):
    answer = problem(client.post("/complaints", json=BAD), 422, "zh-CN")
    assert answer["title"] == "请求无效"
    assert {e["field"]: e["message"] for e in answer["errors"]} == {
        "summary": "最多只能有 5 个字符",
        "customer.name": "至少应有 2 个字符",
        "customer.phone": "应符合格式 '^[0-9+ ]+$'",
        "channel": "应为 'hotline'、'outlet'、'web' 之一",
        "satisfaction": "应小于或等于 5",
        "received_at": "a custom rule the catalogue does not know",  # its own text, kept
        "colour": "不允许额外的字段",
    }
    assert answer["detail"].startswith("summary: 最多只能有 5 个字符; customer.name: ")


def test_the_same_422_is_english_when_asked(client):
    answer = problem(client.post("/complaints", json=BAD, headers=EN), 422, "en")
    assert answer["title"] == "Invalid request"
    messages = {e["field"]: e["message"] for e in answer["errors"]}
    assert messages["summary"] == "String should have at most 5 characters"
    assert messages["channel"] == "Input should be 'hotline', 'outlet' or 'web'"
    assert messages["colour"] == "Extra inputs are not permitted"
    assert messages["received_at"] == "Value error, a custom rule the catalogue does not know"
    assert answer["detail"].startswith("summary: String should have at most 5 characters; ")


def test_missing_fields_and_bad_numbers_and_times_are_chinese(client):
    body = {**GOOD, "satisfaction": "many", "received_at": "2026-13-01"}
    del body["summary"]
    answer = problem(client.post("/complaints", json=body), 422, "zh-CN")
    assert {e["field"]: e["message"] for e in answer["errors"]} == {
        "summary": "缺少必填字段",
        "satisfaction": "应为整数，无法将该字符串解析为整数",
        "received_at": "应为日期时间或日期：月份应在 1 到 12 之间",
    }


def test_an_unknown_union_tag_is_chinese_and_named_type(client):
    answer = problem(client.post("/actions", json={"type": "teleported"}), 422, "zh-CN")
    assert answer["errors"] == [
        {
            "field": "type",
            "message": "类型 'teleported' 不是可接受的值，应为 'accepted'、'resolved' 之一",
        }
    ]


def test_a_valid_body_still_passes(client):
    assert client.post("/complaints", json=GOOD).json() == {"summary": "s"}


@pytest.mark.parametrize(
    ("path", "status", "chinese", "english"),
    [
        ("/problem/401", 401, "缺少 Bearer 令牌", "Missing bearer token"),
        ("/problem/403", 403, "禁止访问", "Forbidden"),
        ("/problem/404", 404, "投诉不存在", "Unknown complaint"),
        ("/nowhere", 404, "未找到", "Not Found"),
        ("/problem/409", 409, "当前不允许此操作", "Not allowed now"),
        ("/problem/429", 429, "请求过于频繁", "Too many requests"),
        ("/boom", 500, "内部错误", "Internal error"),
        ("/database-away", 503, "服务暂不可用", "Service unavailable"),
    ],
)
def test_titles_are_translated(client, path, status, chinese, english):
    assert problem(client.get(path), status, "zh-CN")["title"] == chinese
    assert problem(client.get(path, headers=EN), status, "en")["title"] == english


def test_a_recurring_detail_is_translated_by_its_pattern_and_extensions_stay(client):
    answer = problem(client.get("/problem/409"), 409, "zh-CN")
    assert answer["detail"] == "投诉处于 registered 状态时不允许 'closed'"
    assert answer["complaint_status"] == "registered"
    assert answer["allowed_actions"] == ["accepted"]
    english = problem(client.get("/problem/409", headers=EN), 409, "en")
    assert english["detail"] == "'closed' is not allowed while the complaint is registered"
    assert english["allowed_actions"] == ["accepted"]


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/problem/401", "请发送 Authorization: Bearer <JWT>"),
        ("/problem/403", "YN-KM 无权查看 YN 的时限"),
        ("/problem/404", "YN-KM 看不到投诉 c-1"),
        ("/database-away", "请稍后重试"),
    ],
)
def test_details_are_translated(client, path, detail):
    assert client.get(path).json()["detail"] == detail


def test_an_unknown_sentence_stays_english_beside_translated_ones(client):
    answer = problem(client.get("/problem/422"), 422, "zh-CN")
    assert answer["detail"] == "receiving_unit: 未知单位 'NOPE'; business_line: the moon is cheese"
    assert answer["errors"] == [
        {"field": "receiving_unit", "message": "未知单位 'NOPE'"},
        {"field": "business_line", "message": "the moon is cheese"},
    ]


def test_a_body_over_the_limit_is_refused_in_the_readers_language(client):
    big = {"content-type": "application/json"}
    response = client.post("/complaints", content=b"x" * 1001, headers=big)
    assert response.status_code == 413
    assert response.headers["content-language"] == "zh-CN"
    assert response.json()["title"] == "请求体过大"
    assert response.json()["detail"] == "请求体最多 1000 字节"
    english = client.post("/complaints", content=b"x" * 1001, headers={**big, **EN})
    assert english.json()["detail"] == "the body may be at most 1000 bytes"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("EN-gb", "en"),
        ("en-US,en;q=0.9,zh;q=0.5", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("zh-CN", "zh"),
        ("zh-TW", "zh"),
        ("fr-FR", "zh"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "en"),
        ("de, zh;q=0.2, en;q=0.3", "en"),
        ("en;q=0.5, zh;q=0.5", "en"),  # equal: the first named
        ("zh;q=0.5, en;q=0.5", "zh"),
        ("en;q=0", "zh"),  # not acceptable: the default
        ("en;q=0, zh;q=0", "zh"),
        ("*", "zh"),
        ("*;q=0.9, en;q=0.8", "zh"),
        ("en;q=abc", "zh"),  # a malformed q-value does not count
        ("en; q=0.7 , zh ; q=0.6", "en"),
    ],
)
def test_the_language_is_negotiated_by_q_values(header, language):
    assert negotiate(header) == language


def test_unknown_text_falls_back_to_english():
    assert translated("the moon is made of cheese") is None
    assert translate_text("the moon is made of cheese", "zh") == "the moon is made of cheese"
    assert translate_title("Teapot trouble", "zh") == "Teapot trouble"
    assert translate_title("Method Not Allowed", "zh", 405) == "不允许的请求方法"
    assert translate_text("unknown unit 'X'", "en") == "unknown unit 'X'"


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("unknown unit 'YN-XX'", "未知单位 'YN-XX'"),
        (
            "unit 'YN-KM' may post only as itself or a unit below it, not as 'YN'",
            "单位 'YN-KM' 只能以自身或其下级单位的名义登记，不能以 'YN' 的名义登记",
        ),
        ("as_of must not lie in the future", "as_of 不能是未来的时间"),
        ("query.as_of: lies in the future", "query.as_of: 不能是未来的时间"),
        ("within: must lie between 0 and 366 days", "within: 必须在 0 到 366 天之间"),
        ("a period spans at most 400 days", "时间段最长 400 天"),
        (
            "routing has not yet named the owner of this complaint; retry shortly",
            "分派尚未确定此投诉的责任单位，请稍后重试",
        ),
        (
            "at most 60 requests in 60 s per unit; try again in 3 s",
            "每个单位 60 秒内最多 60 个请求；请在 3 秒后重试",
        ),
        (
            "receiving_unit: unknown unit 'NOPE'; business_line: unknown business line 'x'; "
            "use ['cards']",
            "receiving_unit: 未知单位 'NOPE'; business_line: 未知业务线 'x'；可用：['cards']",
        ),
        ("Signature has expired", "令牌已过期"),
        ("Invalid crypto padding", "令牌的 crypto 段填充无效"),
        ('Token is missing the "exp" claim', '令牌缺少 "exp" 声明'),
    ],
)
def test_recurring_sentences(english, chinese):
    assert translate_text(english, "zh") == chinese


def test_validation_messages_by_type():
    def zh(kind: str, **ctx: object) -> str:
        return validation_message({"type": kind, "msg": "English", "ctx": ctx}, "zh")

    assert zh("literal_error", expected="'a'") == "应为 'a'"
    assert zh("enum", expected="'a' or 'b'") == "应为 'a'、'b' 之一"
    assert zh("greater_than_equal", ge=1) == "应大于或等于 1"
    assert zh("string_too_short", min_length=1) == "至少应有 1 个字符"
    assert zh("timezone_aware") == "应带时区信息（UTC 偏移）"
    assert zh("json_invalid", error="Expecting value") == "JSON 无效：此处应有一个值"
    assert zh("value_error", error=ValueError("timestamp must carry a UTC offset")) == (
        "时间必须带 UTC 偏移"
    )
    assert zh("some_future_type") == "English"  # not in the catalogue: pydantic's English
    assert validation_message({"type": "missing", "msg": "Field required"}, "en") == (
        "Field required"
    )


def test_the_openapi_description_is_chinese_and_english():
    async def nothing(app: FastAPI) -> None:
        return None

    app = create_service_app(
        title="Complaint intake",
        description="Branch hotlines and outlets post complaints and their handling here.",
        startup=nothing,
        shutdown=nothing,
    )
    description = app.openapi()["info"]["description"]
    assert description.startswith("各分支热线与营业网点在此登记投诉及其处理过程。")
    assert "Branch hotlines and outlets post complaints and their handling here." in description
    assert "Accept-Language" in description and "默认为中文" in description
    own = create_service_app(
        title="t",
        description="English.",
        description_zh="中文。",
        startup=nothing,
        shutdown=nothing,
    )
    assert own.openapi()["info"]["description"].startswith("中文。\n\nEnglish.\n\n")
