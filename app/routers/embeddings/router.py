"""`POST /v1/embeddings`: OpenAI's embeddings API, so that OpenAI clients work unchanged."""

from __future__ import annotations

import base64

import numpy as np
from fastapi import APIRouter, Depends

from bindspace.app.auth import require_api_key
from bindspace.app.dependencies import ready_runtime
from bindspace.app.errors import NATIVE_ERRORS, ApiError
from bindspace.app.inputs import check_item_count, decode_value
from bindspace.app.responses import FastJSONResponse
from bindspace.app.routers.embeddings.schemas import EmbeddingsRequest, EmbeddingsResponse
from bindspace.app.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Depends(require_api_key)], responses=NATIVE_ERRORS)


def _encode(vector: np.ndarray, encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return vector.tolist()


def _input_strings(body: EmbeddingsRequest) -> list[str]:
    values = [body.input] if isinstance(body.input, str) else body.input
    if any(not isinstance(value, str) for value in values):
        raise ApiError(400, "Token arrays are not supported: send the text itself (the model tokenizes it).",
                       param="input", code="unsupported_input")
    return values


@router.post(
    "/embeddings",
    response_model=EmbeddingsResponse,
    summary="OpenAI-compatible embeddings",
    description="Unit-length vectors in OpenAI's response format. `encoding_format: base64` returns the "
    "little-endian float32 bytes, base64-encoded (the default of the official SDKs). Inputs of another kind "
    "travel with the extension field `modality` as data URIs (SDKs: `extra_body={'modality': 'image'}`). "
    "`dimensions`, when given, must equal the model's dimension.",
)
async def create_embeddings(body: EmbeddingsRequest, runtime: Runtime = Depends(ready_runtime)) -> FastJSONResponse:
    """Embed `input` and answer in OpenAI's format."""
    values = _input_strings(body)
    check_item_count(len(values), runtime.settings.max_items_per_request, "input")
    runtime.require_kind(body.modality, "modality")
    if body.dimensions is not None and body.dimensions != runtime.info.dimension:
        raise ApiError(400, f"This model gives {runtime.info.dimension}-dimensional embeddings and was not trained "
                            f"for shortened ones; omit `dimensions` or send {runtime.info.dimension}.",
                       param="dimensions", code="unsupported_dimensions")
    payloads = [decode_value(body.modality, value, f"input[{i}]") for i, value in enumerate(values)]
    embeddings = await runtime.embed(body.modality, payloads, [f"input[{i}]" for i in range(len(values))])
    return FastJSONResponse({
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": _encode(v, body.encoding_format)}
                 for i, v in enumerate(embeddings.unit())],
        "model": runtime.info.name,
        "usage": {"prompt_tokens": embeddings.tokens, "total_tokens": embeddings.tokens},
    })
