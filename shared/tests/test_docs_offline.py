"""Swagger UI (and ReDoc) load nothing from a CDN: every asset the pages reference is served
by the app itself, from files shipped in a package; the Authorize button stays."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from complaints_shared.http.auth import caller_unit
from complaints_shared.runtime import create_service_app


async def _nothing(app) -> None:
    return None


class _References(HTMLParser):
    """Every URL a page loads: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (tag, name) in {("script", "src"), ("link", "href"), ("img", "src")}:
                self.urls.append(value)


def _client() -> TestClient:
    app = create_service_app(title="t", description="t", startup=_nothing, shutdown=_nothing)

    @app.get("/v1/things")
    async def things(caller: Annotated[str, Depends(caller_unit)]) -> list[str]:
        return [caller]

    return TestClient(app)


def _loaded(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    # URLs built in the page's own script (the OpenAPI document, the OAuth2 redirect)
    parser.urls += re.findall(r"""url: *['"]([^'"]+)['"]""", html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_documentation_pages_reference_only_local_urls(page: str) -> None:
    client = _client()
    answer = client.get(page)
    assert answer.status_code == 200
    urls = _loaded(answer.text)
    assert urls, "the page loads no script at all?"
    remote = [url for url in urls if "//" in url]
    assert remote == [], f"{page} loads from elsewhere: {remote}"
    assert all(url.startswith("/") for url in urls), urls


def test_every_asset_of_swagger_ui_is_served() -> None:
    client = _client()
    urls = _loaded(client.get("/docs").text)
    kinds = {}
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, url
        kinds[url.rsplit(".", 1)[-1]] = answer.headers["content-type"]
    assert "javascript" in kinds["js"]
    assert kinds["css"].startswith("text/css")
    assert any("SwaggerUIBundle" in client.get(u).text for u in urls if u.endswith(".js"))


def test_the_bearer_scheme_still_gives_the_authorize_button() -> None:
    spec = _client().get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/v1/things"]["get"]["security"] == [{"bearerAuth": []}]


def test_swagger_ui_asks_no_online_validator() -> None:
    html = _client().get("/docs").text
    assert '"validatorUrl": null' in html
