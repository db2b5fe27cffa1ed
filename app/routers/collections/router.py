"""Collections of embeddings: create, list, get and drop; upsert, get and delete items; search."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import numpy as np
from fastapi import APIRouter, Depends, Query, Response
from starlette.concurrency import run_in_threadpool

from bindspace.app.auth import require_api_key, require_scope
from bindspace.app.dependencies import get_runtime, ready_runtime
from bindspace.engine.embedding import normalize_rows
from bindspace.app.errors import ApiError, ErrorEnvelope, error_responses
from bindspace.app.inputs import InputSpec, check_item_count
from bindspace.app.media_preview import preview_media
from bindspace.app.routers.collections.schemas import (
    CollectionCreate,
    CollectionList,
    CollectionOut,
    Deleted,
    ItemOut,
    ItemsDelete,
    ItemsUpsert,
    SearchRequest,
    SearchResponse,
    Upserted,
)
from bindspace.app.runtime import Runtime
from bindspace.index import Collection, CollectionInfo, Item
from bindspace.index.media import StoredMedia

router = APIRouter(prefix="/v1/collections", tags=["collections"], dependencies=[Depends(require_api_key)],
                   responses=error_responses(ErrorEnvelope, 400, 401, 403, 404, 409, 413, 415, 422, 429, 503, 507))


def _out(info: CollectionInfo) -> dict:
    return {"name": info.name, "dimension": info.dimension, "metric": info.metric, "index": info.index,
            "count": info.count, "counts_by_modality": info.counts_by_modality, "media": info.media}


async def _collection(runtime: Runtime, name: str) -> Collection:
    return await run_in_threadpool(runtime.database.get_collection, name)


async def _embed_inputs(runtime: Runtime, inputs: list[tuple[str, InputSpec]]) -> list[np.ndarray]:
    """Unit embeddings of (param, input) pairs, in order; each kind (with its preprocessing options) goes
    through its queue concurrently."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    payloads: list[bytes | str] = []
    params = [param for param, _ in inputs]
    options = [spec.preprocess_options() for _, spec in inputs]
    for position, (param, spec) in enumerate(inputs):
        runtime.require_kind(spec.modality, f"{param}.modality")
        payloads.append(spec.payload(param))
        groups[(spec.modality, repr(sorted(options[position].items())))].append(position)

    async def embed_group(kind: str, positions: list[int]) -> np.ndarray:
        return (await runtime.embed(kind, [payloads[p] for p in positions], [params[p] for p in positions],
                                    options[positions[0]])).unit()

    keys = list(groups)
    results = await asyncio.gather(*(embed_group(kind, groups[(kind, key)]) for kind, key in keys))
    vectors: list[np.ndarray | None] = [None] * len(inputs)
    for key, unit in zip(keys, results, strict=True):
        for position, vector in zip(groups[key], unit, strict=True):
            vectors[position] = vector
    return vectors


def _unit(vector: list[float], param: str) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    if not np.isfinite(norm) or norm == 0.0:
        raise ApiError(422, f"{param} must be a finite, non-zero vector.", param=param, code="invalid_vector")
    return array / norm


@router.post("", status_code=201, response_model=CollectionOut, summary="Create a collection",
             dependencies=[Depends(require_scope("admin"))],
             description="A new empty collection. `dimension` defaults to the served model's; `index` is a FAISS "
             "factory string. 409 when the name is taken.")
async def create_collection(body: CollectionCreate, runtime: Runtime = Depends(ready_runtime)) -> dict:
    """Create the collection."""
    collection = await run_in_threadpool(
        runtime.database.create_collection, body.name, body.dimension or runtime.info.dimension,
        metric=body.metric, index=body.index, train_size=body.train_size, search_params=body.search_params,
        media=body.media,
    )
    return _out(await run_in_threadpool(collection.info))


@router.get("", response_model=CollectionList, summary="List collections")
async def list_collections(runtime: Runtime = Depends(get_runtime)) -> dict:
    """Every collection with its size."""
    return {"object": "list", "data": [_out(i) for i in await run_in_threadpool(runtime.database.list_collections)]}


@router.get("/{name}", response_model=CollectionOut, summary="Get a collection")
async def get_collection(name: str, runtime: Runtime = Depends(get_runtime)) -> dict:
    """The collection's definition and size."""
    collection = await _collection(runtime, name)
    return _out(await run_in_threadpool(collection.info))


@router.delete("/{name}", status_code=204, response_class=Response, summary="Drop a collection",
                dependencies=[Depends(require_scope("admin"))])
async def drop_collection(name: str, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Delete the collection and all its items."""
    await run_in_threadpool(runtime.database.drop_collection, name)
    return Response(status_code=204)


@router.post("/{name}/items", response_model=Upserted, summary="Add or replace items",
             dependencies=[Depends(require_scope("write"))],
             description="Each item holds one input of any kind (embedded now, stored unit-length) or a "
             "precomputed vector, plus JSON metadata. The batch is stored atomically; existing ids are replaced.")
async def upsert_items(name: str, body: ItemsUpsert, runtime: Runtime = Depends(ready_runtime)) -> dict:
    """Embed the items' inputs and store the batch."""
    check_item_count(len(body.items), runtime.settings.max_items_per_request, "items")
    collection = await _collection(runtime, name)
    with_inputs = [(f"items[{i}].input", item.input) for i, item in enumerate(body.items) if item.input is not None]
    embedded = iter(await _embed_inputs(runtime, with_inputs))
    items = []
    for item in body.items:
        if item.input is not None:
            items.append(Item(item.id, next(embedded), item.input.modality, item.metadata))
        else:
            vector = np.asarray(item.vector, dtype=np.float32)
            items.append(Item(item.id, vector, item.modality or "vector", item.metadata))
    media = await run_in_threadpool(_previews, runtime, collection.spec.media, body)
    await run_in_threadpool(collection.upsert, items, media)
    return {"upserted": len(items), "ids": [item.id for item in items]}


def _declared_type(spec: InputSpec) -> str | None:
    if spec.data is None or not spec.data.startswith("data:"):
        return None
    return spec.data[len("data:"):].split(",", 1)[0].split(";", 1)[0].strip().lower() or None


def _previews(runtime: Runtime, policy: str, body: ItemsUpsert) -> dict[str, StoredMedia]:
    """The preview media of the upserted inputs, by id, under the collection's media policy."""
    if policy == "none":
        return {}
    settings = runtime.settings
    previews = {}
    for index, item in enumerate(body.items):
        if item.input is None:
            continue
        media = preview_media(item.input.modality, item.input.payload(f"items[{index}].input"),
                              _declared_type(item.input), policy, settings.max_media_bytes,
                              settings.thumbnail_side, settings.input_limits())
        if media is not None:
            previews[item.id] = media
    return previews


@router.get("/{name}/items/{item_id:path}/media", response_class=Response, summary="Get an item's preview media",
            description="The original file or thumbnail the collection kept for the item (collection option "
            "`media`). 404 `no_media` when it kept none. Served with a sandboxing Content-Security-Policy.",
            responses={200: {"description": "The preview's bytes, with its media type.", "content": {
                "image/jpeg": {"example": "(JPEG bytes)"}, "audio/wav": {"example": "(WAV bytes)"},
                "text/csv": {"example": "acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z\n0.1,0.0,9.8,0.0,0.0,0.0\n"}}}})
async def get_item_media(name: str, item_id: str, runtime: Runtime = Depends(get_runtime)) -> Response:
    """The item's stored preview, with its media type."""
    collection = await _collection(runtime, name)
    await run_in_threadpool(collection.get_item, item_id)
    media = await run_in_threadpool(collection.media.get, item_id)
    if media is None:
        raise ApiError(404, f"item {item_id!r} of collection {name!r} has no stored media (collection media "
                            f"option: {collection.spec.media}).", code="no_media")
    return Response(media.data, media_type=media.media_type, headers={
        "Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache"})


@router.get("/{name}/items/{item_id:path}", response_model=ItemOut, summary="Get an item")
async def get_item(
    name: str, item_id: str, include_vector: bool = Query(False, description="Also return the stored vector."),
    runtime: Runtime = Depends(get_runtime),
) -> dict:
    """The stored item."""
    collection = await _collection(runtime, name)
    item = await run_in_threadpool(collection.get_item, item_id)
    return {"id": item.id, "modality": item.modality, "metadata": item.metadata,
            "vector": np.asarray(item.vector).tolist() if include_vector else None}


@router.delete("/{name}/items/{item_id:path}", response_model=Deleted, summary="Delete an item",
               dependencies=[Depends(require_scope("write"))])
async def delete_item(name: str, item_id: str, runtime: Runtime = Depends(get_runtime)) -> dict:
    """Delete one item; 404 when it does not exist."""
    collection = await _collection(runtime, name)
    if await run_in_threadpool(collection.delete, [item_id]) == 0:
        raise ApiError(404, f"collection {name!r} has no item {item_id!r}", code="not_found")
    return {"deleted": 1}


@router.post("/{name}/items/delete", response_model=Deleted, summary="Delete items",
             dependencies=[Depends(require_scope("write"))],
             description="Deletes the listed ids; unknown ids are ignored. Answers how many existed.")
async def delete_items(name: str, body: ItemsDelete, runtime: Runtime = Depends(get_runtime)) -> dict:
    """Delete several items at once."""
    check_item_count(len(body.ids), runtime.settings.max_items_per_request, "ids")
    collection = await _collection(runtime, name)
    return {"deleted": await run_in_threadpool(collection.delete, body.ids)}


async def _query_vector(runtime: Runtime, body: SearchRequest) -> np.ndarray:
    query = body.query
    if query.vector is not None:
        return _unit(query.vector, "query.vector")
    if query.input is not None:
        return (await _embed_inputs(runtime, [("query.input", query.input)]))[0]
    check_item_count(len(query.combine), runtime.settings.max_items_per_request, "query.combine")
    terms = [(f"query.combine[{i}].input", term.input) for i, term in enumerate(query.combine) if term.input]
    embedded = iter(await _embed_inputs(runtime, terms))
    total = None
    for index, term in enumerate(query.combine):
        unit = next(embedded) if term.input is not None else _unit(term.vector, f"query.combine[{index}].vector")
        if total is not None and unit.shape != total.shape:
            raise ApiError(422, f"query.combine[{index}] has dimension {unit.shape[0]}, the others "
                                f"{total.shape[0]}.", param=f"query.combine[{index}]", code="dimension_mismatch")
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, in words
            total = term.weight * unit if total is None else total + term.weight * unit
    if not np.isfinite(total).all() or not np.isfinite(np.linalg.norm(total)):
        raise ApiError(422, "query.combine: the weighted sum overflows 32-bit floats; the weights are too large. "
                            "Only their ratios matter: keep each weight's magnitude below 1e30.",
                       param="query.combine", code="invalid_vector")
    if float(np.linalg.norm(total)) < 1e-6:
        raise ApiError(422, "query.combine: the weighted sum is (almost) the zero vector, which has no direction; "
                            "change the weights.", param="query.combine", code="invalid_vector")
    return normalize_rows(total[None])[0]


@router.post("/{name}/search", response_model=SearchResponse, summary="Search a collection",
             description="The query is an input of any kind, a vector, or a weighted combination of several "
             "(sum of weight x unit embedding, renormalized: embedding arithmetic). Restrict by recorded "
             "`modalities` and by a metadata equality `filter`; `params` sets nprobe / efSearch / k_factor.")
async def search(name: str, body: SearchRequest, runtime: Runtime = Depends(ready_runtime)) -> dict:
    """The k nearest items to the query."""
    collection = await _collection(runtime, name)
    vector = await _query_vector(runtime, body)
    hits = await run_in_threadpool(
        collection.search, vector[None], body.k, modalities=body.modalities, filter=body.filter, params=body.params,
    )
    return {"results": [{"id": h.id, "score": h.score, "modality": h.modality, "metadata": h.metadata}
                        for h in hits[0]]}
