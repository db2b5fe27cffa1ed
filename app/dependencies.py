"""FastAPI dependencies: the settings, the runtime, and the runtime once its model is ready.

They are coroutines so that FastAPI calls them on the event loop; plain functions would each take a trip
through its thread pool on every request.
"""

from __future__ import annotations

from fastapi import Depends, Request

from bindspace.app.errors import ApiError
from bindspace.app.runtime import Runtime
from bindspace.engine.settings import Settings


async def request_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    return request.app.state.settings


async def get_runtime(request: Request) -> Runtime:
    """The application's runtime, whether or not its model is loaded yet."""
    return request.app.state.runtime


async def ready_runtime(runtime: Runtime = Depends(get_runtime)) -> Runtime:
    """The runtime, or 503 with Retry-After while the model is still loading (or failed to load)."""
    if runtime.ready:
        return runtime
    if runtime.load_error is not None:
        raise ApiError(503, f"The model failed to load: {runtime.load_error}", code="model_failed")
    raise ApiError(503, "The model is still loading; retry shortly.", code="model_loading",
                   headers={"Retry-After": "1"})
