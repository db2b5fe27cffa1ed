"""Response body of `GET /v1/models`: OpenAI's model list, extended with what bindspace serves."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class QueueInfo(BaseModel):
    """Batching settings and the current queue of one encoder."""

    max_batch_size: int
    max_wait_ms: float
    queue_depth: int
    queue_size: int


class ModelCard(BaseModel):
    """The loaded model."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "bindspace"
    encoders: list[str]
    input_kinds: list[str]
    dimension: int
    precision: str
    device: str
    batching: bool
    queues: dict[str, QueueInfo]
    description: str | None = None
    quality: dict[str, str] | None = None
    """The model's headline measured quality, as its config states it (e.g. `{"coco_text_to_image_r1": "0.30"}`)."""


class ModelList(BaseModel):
    """OpenAI's `list` object holding the one served model."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "object": "list",
                "data": [{
                    "id": "default", "object": "model", "created": 1700000000, "owned_by": "bindspace",
                    "encoders": ["vision", "text", "audio"],
                    "input_kinds": ["image", "video", "text", "audio"],
                    "dimension": 1024, "precision": "fp32", "device": "cpu", "batching": True,
                    "queues": {"text": {"max_batch_size": 64, "max_wait_ms": 5.0, "queue_depth": 0, "queue_size": 256}},
                }],
            }]
        }
    )

    object: Literal["list"] = "list"
    data: list[ModelCard]
