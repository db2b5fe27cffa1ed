"""Where the tests find the shared data: the reference fixtures and the small real datasets."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def find_shared_dir() -> Path:
    """`$BINDSPACE_SHARED_DIR`; else `shared/` beside the repository (as in CI); else `shared/` beside the
    local checkout this repository was cloned from, so that a throwaway clone finds the same data."""
    if os.environ.get("BINDSPACE_SHARED_DIR"):
        return Path(os.environ["BINDSPACE_SHARED_DIR"])
    beside = REPO.parent / "shared"
    if beside.is_dir():
        return beside
    try:
        origin = subprocess.run(["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return beside
    if origin and Path(origin).is_dir() and (Path(origin).resolve().parent / "shared").is_dir():
        return Path(origin).resolve().parent / "shared"
    return beside


SHARED = find_shared_dir()
