"""The FastAPI application: `create_app(settings)` wires settings, runtime, middleware and routers.

Serve it with `bindspace serve`, or `uvicorn bindspace.app.main:create_app --factory`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bindspace.app.body_limit import BodySizeLimitMiddleware
from bindspace.app.errors import install_error_handlers
from bindspace.app.log_setup import configure_logging
from bindspace.app.request_metrics import RequestMetricsMiddleware
from bindspace.app.responses import FastJSONResponse
from bindspace.app.routers.classify.router import router as classify_router
from bindspace.app.routers.collections.router import router as collections_router
from bindspace.app.routers.docs.router import router as docs_router
from bindspace.app.routers.embed.router import router as embed_router
from bindspace.app.routers.embeddings.router import router as embeddings_router
from bindspace.app.routers.model_info.router import router as model_info_router
from bindspace.app.routers.operations.router import router as operations_router
from bindspace.app.routers.page.router import router as page_router
from bindspace.app.routers.weaviate.router import protected as weaviate_protected_router
from bindspace.app.routers.weaviate.router import router as weaviate_router
from bindspace.app.runtime import Runtime
from bindspace.app.unhandled_errors import UnhandledErrorMiddleware
from bindspace.engine.settings import Settings, settings_from_env

DESCRIPTION = """\
Embeddings for images, video, text, audio, depth, thermal and IMU data in one space.

* Native API under `/v1`: embed, collections and search, zero-shot classification, model info.
* OpenAI-compatible `POST /v1/embeddings`.
* Weaviate multi2vec-bind drop-in: `POST /vectorize`, `GET /meta`, `/.well-known/live|ready`.
* Operations: `/healthz`, `/readyz`, `/metrics`.
* A web page at `/` to search, label and manage collections in a browser.

Errors on `/v1` use one envelope: `{"error": {"message", "type", "param", "code"}}`.
When API keys are configured, send `Authorization: Bearer <key>` to every route except the
operations routes, the Weaviate probes and these docs.
"""

ROUTERS = (
    operations_router,
    docs_router,
    page_router,
    embed_router,
    embeddings_router,
    collections_router,
    classify_router,
    model_info_router,
    weaviate_router,
    weaviate_protected_router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service for `settings` (default: from the environment); fails if the model is missing."""
    settings = settings or settings_from_env()
    configure_logging(settings.log_format, settings.log_level)
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(
        title="bindspace",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        default_response_class=FastJSONResponse,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    # Added innermost first: metrics see every answer, CORS headers reach error answers too, and an unexpected
    # exception ends at a 500 outside them all.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(RequestMetricsMiddleware, metrics=runtime.metrics)
    app.add_middleware(UnhandledErrorMiddleware)
    return app
