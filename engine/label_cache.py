"""A bounded, thread-safe LRU of unit text embeddings, keyed by the exact prompt text."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np


class LabelCache:
    """Least-recently-used cache of normalized prompt embeddings; `capacity` 0 keeps nothing."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, prompt: str) -> np.ndarray | None:
        """The cached embedding of `prompt`, marking it recently used; None when absent."""
        with self._lock:
            vector = self._entries.get(prompt)
            if vector is None:
                self.misses += 1
                return None
            self._entries.move_to_end(prompt)
            self.hits += 1
            return vector

    def put(self, prompt: str, vector: np.ndarray) -> None:
        """Store `vector` for `prompt`, evicting the least recently used entries beyond capacity."""
        if self.capacity == 0:
            return
        with self._lock:
            self._entries[prompt] = vector
            self._entries.move_to_end(prompt)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
