"""An ASGI middleware that refuses request bodies over a size limit with 413 problem+json."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .i18n import CONTENT_LANGUAGE, negotiate, translate_text, translate_title
from .problems import PROBLEM_JSON


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0
        exceeded = False

        async def limited_receive() -> Message:
            # Past the limit the app gets an empty end of body, and its answer is dropped:
            # raising here would be turned into a 400 by the framework's body parsing.
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded_send(message: Message) -> None:
            if not exceeded:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)
        if exceeded:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        accept = dict(scope.get("headers") or []).get(b"accept-language", b"")
        language = negotiate(accept.decode("latin-1"))
        body = json.dumps(
            {
                "type": "about:blank",
                "title": translate_title("Request body too large", language, 413),
                "status": 413,
                "detail": translate_text(
                    f"the body may be at most {self.max_bytes} bytes", language
                ),
                "instance": scope.get("path", ""),
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-language", CONTENT_LANGUAGE[language].encode()),
                    (b"vary", b"Accept-Language"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
