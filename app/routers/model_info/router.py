"""`GET /v1/models`: the loaded model, its encoders, input kinds and dimension, queue depths and batch settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from bindspace.app.auth import require_api_key
from bindspace.app.dependencies import ready_runtime
from bindspace.app.errors import NATIVE_ERRORS
from bindspace.app.routers.model_info.schemas import ModelCard, ModelList, QueueInfo
from bindspace.app.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["models"], dependencies=[Depends(require_api_key)], responses=NATIVE_ERRORS)


@router.get("/models", response_model=ModelList, summary="The served model",
            description="OpenAI's model list (so `client.models.list()` works) with one entry, extended with "
            "the encoders, input kinds, dimension, precision, and per-encoder batching and queue depth.")
async def list_models(runtime: Runtime = Depends(ready_runtime)) -> ModelList:
    """Describe the loaded model and its queues."""
    info, batcher = runtime.info, runtime.batcher
    queues = {
        encoder: QueueInfo(
            max_batch_size=batcher.batch_size(encoder),
            max_wait_ms=batcher.max_wait_s(encoder) * 1000.0,
            queue_depth=batcher.depth(encoder),
            queue_size=runtime.settings.queue_size,
        )
        for encoder in info.encoders
    }
    card = ModelCard(
        id=info.name, created=int(info.path.stat().st_mtime), encoders=list(info.encoders),
        input_kinds=list(info.input_kinds), dimension=info.dimension, precision=info.precision,
        device=info.device, batching=runtime.settings.batching, queues=queues,
        description=info.description, quality=info.quality,
    )
    return ModelList(data=[card])
