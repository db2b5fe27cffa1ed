"""Operations routes, always open: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

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
    description="200 once the model is loaded; 503 while it loads or when loading failed (with the error).",
    responses={
        200: {"content": {"application/json": {"example": {"status": "ready", "model": "default"}}}},
        503: {"content": {"application/json": {"example": {"status": "loading"}}}},
    },
)
async def readyz(runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    """Whether requests that need the model can be served."""
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
