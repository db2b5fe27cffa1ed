"""Request and response bodies of the OpenAI-compatible `POST /v1/embeddings`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bindspace.app.inputs import EXAMPLE_PNG_URI, InputKind


class EmbeddingsRequest(BaseModel):
    """OpenAI's embeddings request, plus `modality` for inputs that are not text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"model": "default", "input": ["a dog barking", "rain on a roof"], "encoding_format": "float"},
                {"model": "default", "input": EXAMPLE_PNG_URI, "modality": "image"},
            ]
        },
    )

    input: str | list[str] | list[int] | list[list[int]] = Field(
        description="A string or a list of strings; token arrays are refused (the model has its own tokenizer)."
    )
    model: str = Field(description="Any name; the response names the model actually served.")
    encoding_format: Literal["float", "base64"] = Field(
        "float", description="`base64`: the little-endian float32 bytes of each vector, base64-encoded."
    )
    dimensions: int | None = Field(
        None, gt=0, description="Must equal the model's dimension: the model was not trained for shortened vectors."
    )
    user: str | None = Field(None, description="Accepted and ignored.")
    modality: InputKind = Field("text", description="Extension: the input kind; media inputs are data URIs.")


class OpenAIEmbedding(BaseModel):
    """One vector (unit length), as floats or base64."""

    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str


class Usage(BaseModel):
    """Text tokens embedded (0 for media)."""

    prompt_tokens: int
    total_tokens: int


class EmbeddingsResponse(BaseModel):
    """OpenAI's embeddings response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "object": "list",
                "data": [{"object": "embedding", "index": 0, "embedding": [0.5, -0.5, 0.5, 0.5]}],
                "model": "default",
                "usage": {"prompt_tokens": 5, "total_tokens": 5},
            }]
        }
    )

    object: Literal["list"] = "list"
    data: list[OpenAIEmbedding]
    model: str
    usage: Usage
