"""Reading NumPy `.npy` payloads (depth maps, IMU recordings) without pickle."""

from __future__ import annotations

import io

import numpy as np

from bindspace.models.errors import InputError

NPY_MAGIC = b"\x93NUMPY"


def is_npy(data: bytes) -> bool:
    return data.startswith(NPY_MAGIC)


def npy_shape(data: bytes, kind: str) -> tuple[int, ...]:
    """The shape an `.npy` header declares, read without loading the array."""
    try:
        file = io.BytesIO(data)
        major, _ = np.lib.format.read_magic(file)
        if major == 1:
            return tuple(np.lib.format.read_array_header_1_0(file)[0])
        return tuple(np.lib.format.read_array_header_2_0(file)[0])
    except Exception as exc:  # NumPy raises ValueError, EOFError, ... on bad headers
        raise InputError(f"{kind}: cannot read the .npy header: {exc}") from exc


def load_npy(data: bytes, kind: str) -> np.ndarray:
    """The array stored in `.npy` bytes; object arrays and corrupt files raise `InputError`."""
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as exc:  # NumPy raises ValueError, EOFError, OSError, ... on bad files
        raise InputError(f"{kind}: cannot read the .npy array: {exc}") from exc
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise InputError(f"{kind}: .npy array has non-numeric dtype {array.dtype}")
    return array
