"""The in-memory sliding-window limiter (complaints_shared.http.rate_limit) on an injected
clock, and its middleware on a tiny app: 429 problem+json with `Retry-After` for the excess of
one key, nobody else affected, unpicked and unidentified requests untouched."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request

from complaints_shared.http.problems import PROBLEM_JSON
from complaints_shared.http.rate_limit import Admission, RateLimitMiddleware, SlidingWindowLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_admits_up_to_the_limit_then_refuses_until_the_oldest_leaves(clock):
    limiter = SlidingWindowLimiter(3, 60, clock=clock)
    for _ in range(3):
        assert limiter.admit("YN-KM").admitted
        clock.advance(10)
    refused = limiter.admit("YN-KM")  # at +30: the first left at +60
    assert not refused.admitted and refused.retry_after == pytest.approx(30)
    clock.advance(29.9)
    assert not limiter.admit("YN-KM").admitted
    clock.advance(0.1)
    assert limiter.admit("YN-KM").admitted  # exactly one window after the first
    assert not limiter.admit("YN-KM").admitted  # the second is still inside


def test_the_window_slides_rather_than_resetting(clock):
    limiter = SlidingWindowLimiter(2, 60, clock=clock)
    clock.advance(50)
    assert limiter.admit("u").admitted and limiter.admit("u").admitted
    clock.advance(20)  # a fixed window would have reset at 60
    refused = limiter.admit("u")
    assert not refused.admitted and refused.retry_after == pytest.approx(40)


def test_refused_requests_do_not_count(clock):
    limiter = SlidingWindowLimiter(1, 10, clock=clock)
    assert limiter.admit("u").admitted
    for _ in range(100):
        clock.advance(0.05)
        assert not limiter.admit("u").admitted
    clock.advance(5.01)  # one window after the only admitted request
    assert limiter.admit("u").admitted


def test_each_key_has_its_own_window(clock):
    limiter = SlidingWindowLimiter(2, 60, clock=clock)
    assert limiter.admit("YN-KM").admitted and limiter.admit("YN-KM").admitted
    assert not limiter.admit("YN-KM").admitted
    assert limiter.admit("YN-DL").admitted and limiter.admit("YN-DL").admitted
    assert not limiter.admit("YN-DL").admitted


def test_idle_keys_are_forgotten(clock):
    limiter = SlidingWindowLimiter(5, 60, clock=clock)
    for unit in ("a", "b", "c"):
        limiter.admit(unit)
    assert limiter.tracked_keys() == 3
    clock.advance(61)
    limiter.admit("d")
    assert limiter.tracked_keys() == 1


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (-1, 60), (1, 0), (1, -5)])
def test_a_limit_or_window_that_cannot_admit_is_a_mistake(limit, window):
    with pytest.raises(ValueError):
        SlidingWindowLimiter(limit, window)


@pytest.mark.parametrize(("seconds", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (59.5, "60")])
def test_retry_after_is_whole_seconds_rounded_up(seconds, header):
    assert Admission(False, seconds).retry_after_header == header


# -- the middleware ----------------------------------------------------------------------------
def build_app(limiter: SlidingWindowLimiter) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/things")
    async def post_thing() -> dict:
        return {"ok": True}

    @app.get("/v1/things/{thing}")
    async def get_thing(thing: str) -> dict:
        return {"thing": thing}

    async def identify(request: Request) -> str | None:
        return request.headers.get("x-unit")

    app.add_middleware(
        RateLimitMiddleware,
        limiter=limiter,
        identify=identify,
        applies=lambda method, path: method == "POST",
    )
    return app


async def test_the_excess_of_one_caller_is_a_429_problem_and_others_pass(clock):
    app = build_app(SlidingWindowLimiter(2, 60, clock=clock))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(2):
            assert (await client.post("/v1/things", headers={"x-unit": "A"})).status_code == 200
        clock.advance(15)
        refused = await client.post("/v1/things", headers={"x-unit": "A"})
        assert refused.status_code == 429
        assert refused.headers["content-type"] == PROBLEM_JSON
        assert refused.headers["retry-after"] == "45"
        body = refused.json()
        assert body["status"] == 429 and body["title"] == "请求过于频繁"  # Chinese by default
        assert body["detail"] == "每个单位 60 秒内最多 2 个请求；请在 45 秒后重试"
        assert refused.headers["content-language"] == "zh-CN"
        assert body["instance"] == "/v1/things"
        assert (await client.post("/v1/things", headers={"x-unit": "B"})).status_code == 200
        # not picked by the predicate, or not identified: never limited
        assert (await client.get("/v1/things/x", headers={"x-unit": "A"})).status_code == 200
        for _ in range(5):
            assert (await client.post("/v1/things")).status_code == 200
