"""Requests per caller over a sliding window, counted in memory.

`SlidingWindowLimiter` admits at most `limit` requests of one key (a calling unit) in any
`window` seconds: it keeps the instants of the requests it admitted within the last window, so
a refusal can say exactly when the oldest one leaves it. `RateLimitMiddleware` applies it to
the requests a predicate picks and answers the others' excess with 429 problem+json and
`Retry-After`. The counts live in one process: with several instances of a service each
admits its own `limit`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .problems import problem_response


@dataclass(frozen=True)
class Admission:
    admitted: bool
    retry_after: float = 0.0  # seconds until the window has room again, when refused

    @property
    def retry_after_header(self) -> str:
        """`Retry-After` in whole seconds, rounded up (at least 1)."""
        return str(max(1, math.ceil(self.retry_after)))


class SlidingWindowLimiter:
    """At most `limit` admitted requests per key in any `window_seconds`; not thread-safe
    (one event loop)."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.limit = limit
        self.window = float(window_seconds)
        self._clock = clock
        self._admitted: dict[str, deque[float]] = {}
        self._next_sweep = clock() + self.window

    def admit(self, key: str) -> Admission:
        """Count one request of `key` now if the window has room; refused requests don't count."""
        now = self._clock()
        self._sweep(now)
        admitted = self._admitted.setdefault(key, deque())
        horizon = now - self.window
        while admitted and admitted[0] <= horizon:
            admitted.popleft()
        if len(admitted) >= self.limit:
            return Admission(False, admitted[0] + self.window - now)
        admitted.append(now)
        return Admission(True)

    def tracked_keys(self) -> int:
        return len(self._admitted)

    def _sweep(self, now: float) -> None:
        """Forget the keys with nothing in the window, once per window, to bound memory."""
        if now < self._next_sweep:
            return
        horizon = now - self.window
        for key in [k for k, times in self._admitted.items() if not times or times[-1] <= horizon]:
            del self._admitted[key]
        self._next_sweep = now + self.window


class RateLimitMiddleware:
    """Limits the requests `applies(method, path)` picks, per key from `identify` (the calling
    unit); a request it cannot identify passes untouched (the route answers 401 itself)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: SlidingWindowLimiter,
        identify: Callable[[Request], Awaitable[str | None]],
        applies: Callable[[str, str], bool],
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.identify = identify
        self.applies = applies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        key = await self.identify(request)
        if key is None:
            await self.app(scope, receive, send)
            return
        admission = self.limiter.admit(key)
        if admission.admitted:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            request,
            429,
            "Too many requests",
            f"at most {self.limiter.limit} requests in {self.limiter.window:g} s per unit; "
            f"try again in {admission.retry_after_header} s",
            headers={"Retry-After": admission.retry_after_header},
        )
        await response(scope, receive, send)
