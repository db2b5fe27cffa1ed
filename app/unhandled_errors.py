"""ASGI middleware answering an unexpected exception with a logged 500 that keeps the connection usable.

Starlette's own last-resort handler sends the 500 and then re-raises, and uvicorn closes a connection whose
application raised: the client's next request on that keep-alive connection then fails. Here the exception
ends at the 500, so the connection stays open for the next request.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bindspace.app.errors import error_body

log = logging.getLogger("bindspace.errors")


class UnhandledErrorMiddleware:
    """Turns any exception that escapes the application, before its answer started, into a 500 envelope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # part of an answer is out: only closing the connection can tell the client
                raise
            body = error_body(scope["path"], 500, "Internal server error.", code="internal_error",
                              error_type="server_error")
            await JSONResponse(body, status_code=500)(scope, receive, send)
