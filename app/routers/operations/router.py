"""Operations routes, always open: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from bindspace.app.dependencies import get_runtime
from bindspace.app.runtime import Runtime

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness", description="200 as soon as the process serves HTTP.",
            responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
async def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz", summary="Readiness",
    description="200 once the model is loaded; 503 while it loads, when loading failed (with the error), or "
    "`degraded` after a write failed on a full or unwritable disk, until a probe write to the data directory "
    "succeeds again (reads keep working meanwhile).",
    responses={
        200: {"content": {"application/json": {"example": {"status": "ready", "model": "default"}}}},
        503: {"content": {"application/json": {"example": {"status": "loading"}}}},
    },
)
async def readyz(runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    """Whether requests that need the model, and writes, can be served."""
    if runtime.storage_problem is not None and runtime.database is not None:
        problem = await run_in_threadpool(runtime.database.storage_problem)
        runtime.storage_problem = problem
        if problem is not None:
            return JSONResponse({"status": "degraded", "error": problem}, status_code=503)
    if runtime.ready:
        return JSONResponse({"status": "ready", "model": runtime.info.name})
    if runtime.load_error is not None:
        return JSONResponse({"status": "failed", "error": runtime.load_error}, status_code=503)
    return JSONResponse({"status": "loading"}, status_code=503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            description="Requests and latency by route template and status, queue depth, batch sizes and "
            "encoder latency by modality, in Prometheus' text format.",
            responses={200: {"content": {CONTENT_TYPE_LATEST: {"example": "bindspace_model_ready 1.0\n"}}}})
async def metrics(runtime: Runtime = Depends(get_runtime)) -> Response:
    """The service's metrics registry in Prometheus' exposition format."""
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
