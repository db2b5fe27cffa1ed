"""ASGI middleware counting and timing every request by route template, and writing the access log."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bindspace.engine.metrics import Metrics

log = logging.getLogger("bindspace.access")

# Routes that orchestrators and Weaviate poll every few seconds: logged at debug level only.
PROBE_ROUTES = frozenset({"/healthz", "/readyz", "/metrics", "/.well-known/live", "/.well-known/ready"})


class RequestMetricsMiddleware:
    """Records `bindspace_http_requests` and `bindspace_http_request_duration_seconds` and logs one line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.request_seconds.labels(method, template).observe(elapsed)
            log.log(
                logging.DEBUG if template in PROBE_ROUTES else logging.INFO,
                "%s %s %d %.1f ms", method, scope["path"], status, elapsed * 1000,
                extra={"method": method, "route": template, "path": scope["path"], "status": status,
                       "duration_ms": round(elapsed * 1000, 2)},
            )
