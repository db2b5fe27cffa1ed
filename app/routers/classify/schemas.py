"""Request and response bodies of `POST /v1/classify`, native and in the Hugging Face task shape."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bindspace.app.inputs import EXAMPLE_PNG_URI, InputKind, InputSpec


class ClassifyRequest(BaseModel):
    """Zero-shot classification of one input of any kind against candidate labels."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{
                "input": {"modality": "image", "data": EXAMPLE_PNG_URI},
                "candidate_labels": ["dog", "cat", "car"],
                "hypothesis_template": ["a photo of a {}.", "a blurry photo of a {}."],
            }]
        },
    )

    input: InputSpec
    candidate_labels: list[str] = Field(description="The labels to choose from.")
    hypothesis_template: str | list[str] | None = Field(
        None, description="Prompt template(s) with `{}` for the label; several are averaged (prompt ensembling). "
        "Default depends on the input kind, e.g. 'a photo of {}.' for images."
    )


class HFParameters(BaseModel):
    """The `parameters` of a Hugging Face zero-shot classification request."""

    model_config = ConfigDict(extra="forbid")

    candidate_labels: list[str] | str = Field(description="Labels, as a list or one comma-separated string.")
    hypothesis_template: str | list[str] | None = None
    multi_label: bool = Field(False, description="Only false is supported (scores are one softmax).")
    modality: InputKind = Field("text", description="Extension: the kind of `inputs` (media as base64/data URI).")


class HFClassifyRequest(BaseModel):
    """The Hugging Face zero-shot task shape: `{"inputs": ..., "parameters": {...}}`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{
                "inputs": "I love playing football",
                "parameters": {"candidate_labels": ["sports", "politics"], "hypothesis_template": "This is about {}."},
            }]
        },
    )

    inputs: str
    parameters: HFParameters


class LabelScoreOut(BaseModel):
    """A label's softmax(100 x cosine) score and its cosine."""

    label: str
    score: float
    cosine: float


class ClassifyResponse(BaseModel):
    """Labels sorted by score (a Hugging Face-shaped request gets the `results` list alone)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "model": "default", "modality": "image",
                "results": [{"label": "dog", "score": 0.93, "cosine": 0.31},
                            {"label": "cat", "score": 0.07, "cosine": 0.28}],
            }]
        }
    )

    model: str
    modality: InputKind
    results: list[LabelScoreOut]
