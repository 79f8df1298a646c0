"""Server-sent events: `change` when the projection changed, `heartbeat` now and then.

EventSource cannot set headers, so the token comes as `?token=`; it is checked exactly as the
bearer token of the JSON routes (and the scope as well: another province's unit is 403).
A page re-fetches its figures on `hello` (each (re)connection), `change`, and on a heartbeat
whose version differs from the last it saw. Streams end when the service stops, so that a
restart is quick; EventSource then reconnects by itself (`retry: 1000`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from complaints_shared.http.auth import unit_from_token

from ..adapters.change_feed import ChangeFeed
from .params import scope_for

router = APIRouter(prefix="/v1/dashboard")
HEARTBEAT_SECONDS = 15.0


@router.get("/stream", response_class=StreamingResponse)
async def stream(
    request: Request,
    token: Annotated[str, Query(min_length=1, description="the bearer token (JWT)")],
    unit: str | None = None,
) -> StreamingResponse:
    """`text/event-stream` of `hello`, `change` and `heartbeat` events (data: the version)."""
    caller = unit_from_token(token, request.app.state.jwt_secret)
    scope_for(request.app.state.org, caller, unit)
    feed: ChangeFeed = request.app.state.feed
    return StreamingResponse(
        _events(feed),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(feed: ChangeFeed) -> AsyncIterator[str]:
    queue = feed.subscribe()
    try:
        yield _message("hello", feed.version, retry=1000)
        while not feed.closing.is_set():
            try:
                version = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
            except TimeoutError:
                yield _message("heartbeat", feed.version)
                continue
            if version is None:
                return
            yield _message("change", version)
    finally:
        feed.unsubscribe(queue)


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

        def handler(sig, frame, previous=previous) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(close)
            if callable(previous):
                previous(sig, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(sig, signal.SIG_DFL)
                signal.raise_signal(sig)

        signal.signal(signum, handler)
