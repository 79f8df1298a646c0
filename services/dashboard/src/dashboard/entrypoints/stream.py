"""Server-sent events: `change` when what the scope shows changed, `heartbeat` now and then.

The page's stream is authenticated by its session cookie (EventSource sends cookies, and no
token ever goes into a URL); an integration sends `Authorization: Bearer`, checked exactly as
on the JSON routes (and the scope as well: another province's unit is 403). The stream checks
every `SESSION_CHECK_SECONDS` that its session still holds (signed out, or idle too long) or
that its token is still valid, and ends when not; checking does not count as activity.
Every message carries the scope's own version (`DashboardQueries.version`): a change to a
complaint the scope does not show sends nothing and moves no version. A page re-fetches its
figures on `hello` (each (re)connection), `change`, and on a heartbeat whose version differs
from the last it saw. Streams end when the service stops, so that a restart is quick;
EventSource then reconnects by itself (`retry: 1000`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from types import FrameType
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from complaints_shared.http.auth import bearer, unauthorized, verifier_of
from complaints_shared.http.openapi import problem_responses
from complaints_shared.http.problems import Problem
from complaints_shared.logging import get_logger

from ..adapters.change_feed import ChangeFeed
from ..service_layer.queries import DashboardQueries
from .params import scope_for
from .web_session import bearer_token, current_session, session_id, sessions_of

router = APIRouter(prefix="/v1/dashboard")
HEARTBEAT_SECONDS = 15.0
SESSION_CHECK_SECONDS = 1.0
Alive = Callable[[], Awaitable[bool]]
log = get_logger(__name__)


# One server-sent event, as a client parses it (what the documented schema describes).
SSE_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["hello", "change", "heartbeat"]},
        "data": {"type": "string", "description": 'JSON: {"version": "…"}'},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
}


class EventStream(StreamingResponse):
    """Documents the stream as `text/event-stream` (the body is `stream`'s own response)."""

    media_type = "text/event-stream"


@router.get(
    "/stream",
    response_class=EventStream,
    dependencies=[Depends(bearer)],  # documents `bearerAuth`; `_authenticate` checks it
    responses={
        200: {"content": {"text/event-stream": {"schema": SSE_EVENT}}},
        **problem_responses(401, 403, 422, 503),
    },
)
async def stream(request: Request, unit: str | None = None) -> StreamingResponse:
    """`text/event-stream` of `hello`, `change` and `heartbeat` events (data: the scope's
    version). The page's session cookie, or `Authorization: Bearer` (it wins when sent)."""
    caller, alive = await _authenticate(request)
    scope = scope_for(request.app.state.org, caller, unit)
    feed: ChangeFeed = request.app.state.feed
    queries: DashboardQueries = request.app.state.queries
    return StreamingResponse(
        _events(feed, lambda: queries.version(scope), alive),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _authenticate(request: Request) -> tuple[str, Alive]:
    """The caller, and how the stream asks whether it may go on."""
    if "authorization" in request.headers:
        token = await bearer_token(request)
        if token is None:
            raise unauthorized("Invalid token", "send Authorization: Bearer <JWT>")
        verifier = verifier_of(request.app)
        caller = await verifier.unit_of_async(token)

        async def token_valid() -> bool:
            try:
                return await verifier.unit_of_async(token) == caller
            except Problem as problem:  # expired (401); keys unreachable (503): go on
                return problem.status != 401

        return caller, token_valid
    session = current_session(request)
    store = sessions_of(request)
    if session is None or store is None:
        raise unauthorized(
            "Not signed in",
            "sign in at /auth/login, or send Authorization: Bearer <JWT>",
            token_sent=False,
        )
    sid = session_id(request)

    async def session_holds() -> bool:
        return store.alive(sid)

    return session.unit, session_holds


async def _events(
    feed: ChangeFeed,
    version_of: Callable[[], Awaitable[str]],
    alive: Alive | None = None,
) -> AsyncIterator[str]:
    """The feed says that something changed; the scope's version says whether it may know.
    Ends when `alive` answers False (checked every `SESSION_CHECK_SECONDS`)."""
    queue = feed.subscribe()
    try:
        seen = await _version(version_of, "")
        yield _message("hello", seen, retry=1000)
        quiet_since = time.monotonic()
        while not feed.closing.is_set():
            if alive is not None and not await alive():
                return
            left = quiet_since + HEARTBEAT_SECONDS - time.monotonic()
            if left <= 0:
                yield _message("heartbeat", seen)
                quiet_since = time.monotonic()
                continue
            wait = left if alive is None else min(left, SESSION_CHECK_SECONDS)
            try:
                changed = await asyncio.wait_for(queue.get(), timeout=wait)
            except TimeoutError:
                continue
            quiet_since = time.monotonic()
            if changed is None:
                return
            version = await _version(version_of, seen)
            if version != seen:
                seen = version
                yield _message("change", version)
    finally:
        feed.unsubscribe(queue)


async def _version(version_of: Callable[[], Awaitable[str]], last: str) -> str:
    try:
        return await version_of()
    except Exception as exc:  # database away: keep the last version, the page its figures
        log.warning("scope version unavailable", error=repr(exc))
        return last


def _message(event: str, version: str, retry: int | None = None) -> str:
    head = f"retry: {retry}\n" if retry else ""
    return f"{head}event: {event}\ndata: {json.dumps({'version': version})}\n\n"


def end_streams_on_exit(close: Callable[[], None]) -> None:
    """Chain SIGTERM/SIGINT so that open streams end when the server is asked to stop.

    uvicorn waits for every open connection before it shuts the app down; an event stream
    never ends by itself, so without this a stop would hang until killed.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)

        def handler(sig: int, frame: FrameType | None, previous: Any = previous) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(close)
            if callable(previous):
                previous(sig, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(sig, signal.SIG_DFL)
                signal.raise_signal(sig)

        signal.signal(signum, handler)
