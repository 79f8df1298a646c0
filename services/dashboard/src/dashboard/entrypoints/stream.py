"""Server-sent events: `change` when what the scope shows changed, `heartbeat` now and then.

EventSource cannot set headers, so the token comes as `?token=`; it is checked exactly as the
bearer token of the JSON routes (and the scope as well: another province's unit is 403).
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
from collections.abc import AsyncIterator, Awaitable, Callable
from types import FrameType
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from complaints_shared.http.auth import unit_from_token
from complaints_shared.logging import get_logger

from ..adapters.change_feed import ChangeFeed
from ..service_layer.queries import DashboardQueries
from .params import scope_for

router = APIRouter(prefix="/v1/dashboard")
HEARTBEAT_SECONDS = 15.0
log = get_logger(__name__)


@router.get("/stream", response_class=StreamingResponse)
async def stream(
    request: Request,
    token: Annotated[str, Query(min_length=1, description="the bearer token (JWT)")],
    unit: str | None = None,
) -> StreamingResponse:
    """`text/event-stream` of `hello`, `change` and `heartbeat` events (data: the scope's
    version)."""
    caller = unit_from_token(token, request.app.state.jwt_secret)
    scope = scope_for(request.app.state.org, caller, unit)
    feed: ChangeFeed = request.app.state.feed
    queries: DashboardQueries = request.app.state.queries
    return StreamingResponse(
        _events(feed, lambda: queries.version(scope)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(feed: ChangeFeed, version_of: Callable[[], Awaitable[str]]) -> AsyncIterator[str]:
    """The feed says that something changed; the scope's version says whether it may know."""
    queue = feed.subscribe()
    try:
        seen = await _version(version_of, "")
        yield _message("hello", seen, retry=1000)
        while not feed.closing.is_set():
            try:
                changed = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
            except TimeoutError:
                yield _message("heartbeat", seen)
                continue
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
