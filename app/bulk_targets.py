"""Where a bulk import writes: a collection opened directly (FAISS data directory or Milvus), or a
running bindspace server through its HTTP API (so that an import runs while the server owns the data)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import numpy as np

from bindspace.index import CollectionNotFoundError, IndexStoreError, Item

_HTTP_BATCH = 128


class DatabaseTarget:
    """A collection of an open database, created on first use."""

    def __init__(self, database, name: str, dimension: int, index: str) -> None:
        try:
            self.collection = database.get_collection(name)
        except CollectionNotFoundError:
            self.collection = database.create_collection(name, dimension, index=index)

    def existing(self, ids: Sequence[str]) -> set[str]:
        return {item.id for item in self.collection.get(list(ids)) if item is not None}

    def write(self, items: Sequence[Item]) -> None:
        self.collection.upsert(list(items))


class ServerError(IndexStoreError):
    """The server refused a request of the import."""


class ServerTarget:
    """A collection of a bindspace server, created on first use; items go in as precomputed vectors."""

    def __init__(self, url: str, api_key: str | None, name: str, dimension: int, index: str) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=120)
        self._name = name
        self._lookups = ThreadPoolExecutor(8, thread_name_prefix="bindspace-import-lookup")
        found = self._http.get(f"/v1/collections/{name}")
        if found.status_code == 404:
            self._check(self._http.post("/v1/collections", json={"name": name, "dimension": dimension,
                                                                 "index": index}))
        else:
            self._check(found)

    @staticmethod
    def _check(response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            raise ServerError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                              f"{response.text[:500]}")
        return response

    def _exists(self, item_id: str) -> bool:
        response = self._http.get(f"/v1/collections/{self._name}/items/{quote(item_id, safe='/')}")
        if response.status_code == 404:
            return False
        self._check(response)
        return True

    def existing(self, ids: Sequence[str]) -> set[str]:
        return {item_id for item_id, there in zip(ids, self._lookups.map(self._exists, ids)) if there}

    def write(self, items: Sequence[Item]) -> None:
        for start in range(0, len(items), _HTTP_BATCH):
            body = [{"id": item.id, "vector": np.asarray(item.vector).tolist(), "modality": item.modality,
                     "metadata": item.metadata} for item in items[start:start + _HTTP_BATCH]]
            self._check(self._http.post(f"/v1/collections/{self._name}/items", json={"items": body}))

    def close(self) -> None:
        self._lookups.shutdown()
        self._http.close()
