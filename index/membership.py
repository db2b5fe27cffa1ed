"""Which internal ids the vector index currently serves, and the modality of each.

Kept in memory (two bytes per iid ever assigned) so that counts and modality restrictions cost no
database query. It changes together with the vector index, under the collection's exclusive lock,
so a search sees both in the same state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

_ABSENT = -1


class Membership:
    """Live iids and their modalities."""

    def __init__(self) -> None:
        self._names: list[str] = []
        self._code_of: dict[str, int] = {}
        self._codes = np.full(1024, _ABSENT, dtype=np.int16)
        self._counts: list[int] = []
        self._cache: dict[frozenset[int] | None, np.ndarray] = {}

    def add(self, iids: np.ndarray, modalities: Sequence[str]) -> None:
        """Mark `iids` live with the given modalities."""
        if len(iids) == 0:
            return
        self._grow(int(iids.max()) + 1)
        codes = np.fromiter((self._code(m) for m in modalities), dtype=np.int16, count=len(modalities))
        self._codes[iids] = codes
        for code, n in zip(*np.unique(codes, return_counts=True)):
            self._counts[code] += int(n)
        self._cache.clear()

    def remove(self, iids: np.ndarray) -> None:
        """Mark `iids` no longer live (unknown ones are ignored)."""
        iids = iids[iids < len(self._codes)]
        codes = self._codes[iids]
        codes = codes[codes != _ABSENT]
        for code, n in zip(*np.unique(codes, return_counts=True)):
            self._counts[code] -= int(n)
        self._codes[iids] = _ABSENT
        self._cache.clear()

    def count(self, modality: str | None = None) -> int:
        """Number of live items, of one modality or all."""
        if modality is None:
            return sum(self._counts)
        code = self._code_of.get(modality)
        return 0 if code is None else self._counts[code]

    def counts_by_modality(self) -> dict[str, int]:
        """Live items per modality (modalities with none are left out)."""
        return {name: n for name, n in zip(self._names, self._counts) if n > 0}

    def live_iids(self, modalities: Iterable[str] | None = None) -> np.ndarray:
        """Sorted live iids, optionally only those of the given modalities (read-only array)."""
        key = None if modalities is None else frozenset(self._code_of[m] for m in modalities if m in self._code_of)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if key is None:
            iids = np.flatnonzero(self._codes != _ABSENT)
        else:
            iids = np.flatnonzero(np.isin(self._codes, np.fromiter(key, dtype=np.int16, count=len(key))))
        iids = iids.astype(np.int64)
        iids.flags.writeable = False
        self._cache[key] = iids
        return iids

    def _code(self, modality: str) -> int:
        code = self._code_of.get(modality)
        if code is None:
            code = self._code_of[modality] = len(self._names)
            self._names.append(modality)
            self._counts.append(0)
        return code

    def _grow(self, size: int) -> None:
        if size > len(self._codes):
            grown = np.full(max(size, 2 * len(self._codes)), _ABSENT, dtype=np.int16)
            grown[: len(self._codes)] = self._codes
            self._codes = grown
