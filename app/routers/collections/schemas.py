"""Request and response bodies of the collection routes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bindspace.app.inputs import EXAMPLE_PNG_URI, InputSpec

Metadata = dict[str, Any]
Scalar = str | int | float | bool | None


class CollectionCreate(BaseModel):
    """A new collection; its dimension defaults to the served model's."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "photos", "index": "HNSW32"}, {"name": "small", "index": "Flat", "dimension": 1024}]
    })

    name: str = Field(description="1-64 letters, digits, '_' or '-', starting with a letter or digit.")
    index: str = Field("Flat", description="FAISS factory string: Flat, HNSW32, IVF1024,Flat, IVF1024,PQ64, ...")
    metric: Literal["cosine", "ip", "l2"] = Field("cosine", description="Similarity; cosine suits the model.")
    dimension: int | None = Field(None, gt=0, description="Vector length (default: the model's dimension).")
    train_size: int | None = Field(None, gt=0, description="Items after which a trainable index (IVF, PQ) trains.")
    search_params: dict[str, Any] = Field(default_factory=dict, description="Default nprobe / efSearch / k_factor.")
    media: Literal["none", "original", "thumbnail"] = Field(
        "none", description="Keep each item's original file (up to BINDSPACE_MAX_MEDIA_BYTES, else a thumbnail) or "
        "a thumbnail, served by GET /v1/collections/{name}/items/{id}/media for previews.")


class CollectionOut(BaseModel):
    """A collection's definition and size."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "photos", "dimension": 1024, "metric": "cosine", "index": "HNSW32", "count": 2,
        "counts_by_modality": {"image": 1, "text": 1}, "media": "thumbnail",
    }]})

    name: str
    dimension: int
    metric: str
    index: str
    count: int
    counts_by_modality: dict[str, int]
    media: str = Field(description="What the collection keeps for previews: none, original or thumbnail.")


class CollectionList(BaseModel):
    """Every collection."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"object": "list", "data": [{
        "name": "photos", "dimension": 1024, "metric": "cosine", "index": "Flat", "count": 0, "counts_by_modality": {},
        "media": "none",
    }]}]})

    object: Literal["list"] = "list"
    data: list[CollectionOut]


class Deleted(BaseModel):
    """What a delete removed."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"deleted": 1}]})

    deleted: int


class ItemIn(BaseModel):
    """One item: an id, one input of any kind or a precomputed vector, and JSON metadata."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"id": "dog-1", "input": {"modality": "text", "text": "a dog"}, "metadata": {"album": "pets"}},
        {"id": "vec-1", "vector": [0.1, 0.2, 0.3], "modality": "image", "metadata": {}},
    ]})

    id: str = Field(description="Unique within the collection; an existing item with this id is replaced.")
    input: InputSpec | None = Field(None, description="The input to embed.")
    vector: list[float] | None = Field(None, description="A precomputed vector (normalized on the way in).")
    modality: str | None = Field(None, description="Recorded input kind of a vector item (default 'vector').")
    metadata: Metadata = Field(default_factory=dict, description="JSON object; top-level scalars are filterable.")

    @model_validator(mode="after")
    def _one_source(self) -> ItemIn:
        if (self.input is None) == (self.vector is None):
            raise ValueError("give exactly one of `input` and `vector`")
        if self.input is not None and self.modality not in (None, self.input.modality):
            raise ValueError("`modality` of an input item is its input's modality")
        return self


class ItemsUpsert(BaseModel):
    """A batch of items, stored atomically."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"items": [
        {"id": "dog-1", "input": {"modality": "text", "text": "a dog"}, "metadata": {"album": "pets"}},
        {"id": "photo-7", "input": {"modality": "image", "data": EXAMPLE_PNG_URI}},
    ]}]})

    items: list[ItemIn]


class Upserted(BaseModel):
    """The ids stored, in request order."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"upserted": 2, "ids": ["dog-1", "photo-7"]}]})

    upserted: int
    ids: list[str]


class ItemOut(BaseModel):
    """A stored item; the vector only when asked for (unit length in cosine collections)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "dog-1", "modality": "text", "metadata": {"album": "pets"}, "vector": None},
    ]})

    id: str
    modality: str
    metadata: Metadata
    vector: list[float] | None = None


class ItemsDelete(BaseModel):
    """Ids to delete; unknown ids are ignored."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ids": ["dog-1", "photo-7"]}]})

    ids: list[str]


class WeightedTerm(BaseModel):
    """One term of an embedding combination: weight x the unit embedding of an input or a vector."""

    model_config = ConfigDict(extra="forbid")

    weight: float = 1.0
    input: InputSpec | None = None
    vector: list[float] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> WeightedTerm:
        if (self.input is None) == (self.vector is None):
            raise ValueError("give exactly one of `input` and `vector`")
        return self


class Query(BaseModel):
    """An input, a vector, or a weighted combination (sum of weight x unit embedding, renormalized)."""

    model_config = ConfigDict(extra="forbid")

    input: InputSpec | None = None
    vector: list[float] | None = None
    combine: list[WeightedTerm] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Query:
        if sum(value is not None for value in (self.input, self.vector, self.combine)) != 1:
            raise ValueError("give exactly one of `input`, `vector` and `combine`")
        return self


class SearchRequest(BaseModel):
    """Nearest items to the query, optionally restricted by modality and metadata."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query": {"input": {"modality": "text", "text": "a dog on a beach"}}, "k": 5, "modalities": ["image"]},
        {"query": {"combine": [
            {"weight": 1.0, "input": {"modality": "image", "data": EXAMPLE_PNG_URI}},
            {"weight": 0.5, "input": {"modality": "text", "text": "at night"}},
        ]}, "k": 10, "filter": {"album": ["2023", "2024"]}, "params": {"efSearch": 64}},
    ]})

    query: Query
    k: int = Field(10, ge=1, description="Number of results.")
    modalities: list[str] | None = Field(
        None, description="Only items of these recorded kinds (e.g. image, text, vector)."
    )
    filter: dict[str, Scalar | list[Scalar]] | None = Field(
        None, description="Metadata equality: every key must match; a list matches any of its values."
    )
    params: dict[str, Any] | None = Field(
        None, description="ANN parameters: nprobe (IVF), efSearch (HNSW), k_factor (both: re-rank k * k_factor "
        "candidates exactly).")


class SearchHit(BaseModel):
    """One result; `score` is the cosine (or inner product; squared distance for l2)."""

    id: str
    score: float
    modality: str
    metadata: Metadata


class SearchResponse(BaseModel):
    """Results, best first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"results": [
        {"id": "photo-7", "score": 0.31, "modality": "image", "metadata": {"album": "pets"}},
    ]}]})

    results: list[SearchHit]
