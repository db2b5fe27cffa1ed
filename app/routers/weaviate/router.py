"""Drop-in for Weaviate's multi2vec-bind inference container.

Errors answer `{"error": "<message>"}` like the original, but bad input gets a 4xx (400, 413, 415, 422)
instead of the original's 500, so a client can tell its own mistakes from server failures.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Response

from bindspace.app.auth import require_api_key
from bindspace.app.dependencies import get_runtime, ready_runtime
from bindspace.app.errors import WEAVIATE_ERRORS
from bindspace.app.inputs import check_item_count, decode_base64
from bindspace.app.responses import FastJSONResponse
from bindspace.app.routers.weaviate.schemas import VECTORIZE_FIELDS, MetaResponse, VectorizeRequest, VectorizeResponse
from bindspace.app.runtime import Runtime

router = APIRouter(tags=["weaviate"])
protected = APIRouter(tags=["weaviate"], dependencies=[Depends(require_api_key)], responses=WEAVIATE_ERRORS)


@router.get("/.well-known/live", status_code=204, response_class=Response, operation_id="weaviate_live",
            summary="Weaviate liveness probe", description="204 with an empty body (HEAD too).")
@router.head("/.well-known/live", status_code=204, response_class=Response, operation_id="weaviate_live_head",
             summary="Weaviate liveness probe (HEAD)")
async def live() -> Response:
    """The process is up."""
    return Response(status_code=204)


@router.get("/.well-known/ready", status_code=204, response_class=Response, operation_id="weaviate_ready",
            summary="Weaviate readiness probe", description="204 with an empty body once the model is loaded, "
            "503 before (HEAD too).", responses={503: {"description": "The model is not loaded yet."}})
@router.head("/.well-known/ready", status_code=204, response_class=Response, operation_id="weaviate_ready_head",
             summary="Weaviate readiness probe (HEAD)",
             responses={503: {"description": "The model is not loaded yet."}})
async def ready(runtime: Runtime = Depends(get_runtime)) -> Response:
    """Ready once the model is loaded."""
    return Response(status_code=204 if runtime.ready else 503)


@protected.get("/meta", response_model=MetaResponse, summary="Weaviate module metadata")
async def meta(runtime: Runtime = Depends(ready_runtime)) -> dict:
    """The model Weaviate talks to."""
    info = runtime.info
    return {"model": info.name, "version": 1, "dimension": info.dimension, "modalities": list(info.input_kinds)}


async def _vectorize_field(runtime: Runtime, field: str, values: list[str]) -> list[list[float]]:
    kind = VECTORIZE_FIELDS[field][0]
    if not values:
        return []
    runtime.require_kind(kind, field)
    payloads = [value if kind == "text" else decode_base64(value, f"{field}[{i}]") for i, value in enumerate(values)]
    params = [f"{field}[{i}]" for i in range(len(values))]
    return (await runtime.embed(kind, payloads, params)).raw.tolist()


@protected.post(
    "/vectorize",
    response_model=VectorizeResponse,
    summary="Weaviate multi2vec-bind vectorizer",
    description="Raw scaled vectors per modality in request order; all seven response keys are always present. "
    "IMU inputs are base64 CSV (header row, 6 columns, one row per time step).",
)
async def vectorize(body: VectorizeRequest, runtime: Runtime = Depends(ready_runtime)) -> FastJSONResponse:
    """Embed every list of the request concurrently (each modality goes through its batching queue)."""
    fields = {field: getattr(body, field) or [] for field in VECTORIZE_FIELDS}
    total = sum(len(values) for values in fields.values())
    if total:
        check_item_count(total, runtime.settings.max_items_per_request, "inputs")
    results = await asyncio.gather(*(_vectorize_field(runtime, f, v) for f, v in fields.items()))
    return FastJSONResponse({VECTORIZE_FIELDS[f][1]: vectors for f, vectors in zip(fields, results, strict=True)})
