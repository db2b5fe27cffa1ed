"""Request and response bodies of `POST /v1/embed`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bindspace.app.imu_options import ImuOptions
from bindspace.app.inputs import EXAMPLE_PNG_URI, InputKind


class EmbedRequest(BaseModel):
    """Inputs of one kind to embed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"modality": "text", "inputs": ["a dog barking", "rain on a roof"]},
                {"modality": "image", "inputs": [EXAMPLE_PNG_URI], "normalize": False},
            ]
        },
    )

    modality: InputKind = Field(description="The input kind of every entry of `inputs` (required).")
    inputs: str | list[str] = Field(
        description="Text (modality text), or base64 / data URIs of the file bytes (every other kind)."
    )
    normalize: bool = Field(True, description="Unit-length vectors; false gives the model's raw scaled output.")
    imu: ImuOptions | None = Field(None, description="Modality imu only: sample rate and units of the recordings.")


class EmbeddingVector(BaseModel):
    """The vector of one input."""

    index: int = Field(description="Position of the input in the request.")
    embedding: list[float]


class EmbedResponse(BaseModel):
    """Vectors in request order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "object": "list", "model": "default", "modality": "text", "encoder": "text",
                "normalized": True, "dimension": 4, "data": [{"index": 0, "embedding": [0.5, -0.5, 0.5, 0.5]}],
            }]
        }
    )

    object: str = "list"
    model: str
    modality: InputKind
    encoder: str = Field(description="The encoder modality that embedded the inputs (image and video: vision).")
    normalized: bool
    dimension: int
    data: list[EmbeddingVector]
