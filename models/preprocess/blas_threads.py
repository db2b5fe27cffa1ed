"""NumPy's BLAS kept to one thread in processes that preprocess.

Resampling and mel filterbanks are small matrix products, run on the preprocessing thread pool
beside model inference. NumPy's OpenBLAS would split each of them over every core, and those
threads then compete with the pool and the encoder for the same cores (audio preprocessing on four
threads ran at half its speed). Only the BLAS library NumPy links is limited: FAISS's
OpenMP-based OpenBLAS and torch keep their own thread settings.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController


@cache
def single_threaded_numpy_blas() -> None:
    """Set NumPy's BLAS (when it ships inside the NumPy package, as wheels do) to one thread, once."""
    package = Path(np.__file__).resolve().parent
    bundled = (str(package), str(package.with_name(package.name + ".libs")))
    for library in ThreadpoolController().select(user_api="blas").lib_controllers:
        if str(Path(library.filepath).resolve()).startswith(bundled):
            library.set_num_threads(1)
