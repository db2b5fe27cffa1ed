"""Shared test fixtures: locations of the shared data and a reference-weighted tiny model."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json
from pathlib import Path

import pytest
import torch
from shared_data import SHARED

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data directory (see shared_data.find_shared_dir)."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data directory {SHARED} is not available (set BINDSPACE_SHARED_DIR)")
    return SHARED


@pytest.fixture(scope="session")
def reference_fixture(shared_dir: Path) -> Path:
    """The ImageBind reference-parity fixture directory (config, weights, inputs, outputs)."""
    return shared_dir / "fixtures" / "imagebind_reference"


@pytest.fixture(scope="session")
def reference_model(reference_fixture: Path):
    """The fixture's tiny configuration with the fixture's weights, in eval mode (do not modify)."""
    from bindspace.models import load_model

    config = json.loads((reference_fixture / "config.json").read_text())
    return load_model(reference_fixture / "weights.safetensors", config=config)


@pytest.fixture()
def http(server):
    """An HTTP client of the module's live `server` fixture."""
    with server.client() as client:
        yield client


@pytest.fixture()
def small_filesystem(tmp_path):
    """A factory of size-limited tmpfs mounts under `tmp_path` (unmounted afterwards); `make(size)` returns the
    mount point. Skips where the kernel refuses the mount (not root, or no CAP_SYS_ADMIN in a container)."""
    import subprocess

    mounts: list[Path] = []

    def make(size: str, name: str = "fs") -> Path:
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(point)],
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a {size} tmpfs here (needs root with CAP_SYS_ADMIN): {done.stderr.strip()}")
        mounts.append(point)
        return point

    yield make
    for point in reversed(mounts):
        subprocess.run(["chattr", "-R", "-i", str(point)], capture_output=True, timeout=30)
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=30)
