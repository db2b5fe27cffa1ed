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


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """One Milvus Lite server for the session (skips when milvus-lite is not installed)."""
    pytest.importorskip("milvus_lite")
    pytest.importorskip("pymilvus")
    from milvus_lite_server import MilvusLiteServer

    root = tmp_path_factory.mktemp("milvus")
    server = MilvusLiteServer(root / "data", root / "server.log")
    yield server
    server.stop()


@pytest.fixture(params=["faiss", "milvus"])
def open_index(request, tmp_path):
    """Opens a database on the parametrized backend: `open_index(limits=..., maintenance=...)`. FAISS gets a
    fresh data directory (the same one on every call), Milvus the session's Milvus Lite server, emptied
    of collections afterwards."""
    from bindspace.index import MaintenanceConfig, open_database

    uri = request.getfixturevalue("milvus_server").uri if request.param == "milvus" else ""
    opened = []

    def open_db(**options):
        options.setdefault("maintenance", MaintenanceConfig(background=False))
        database = open_database(request.param, data_dir=tmp_path / "data", milvus_uri=uri, **options)
        opened.append(database)
        return database

    open_db.backend = request.param
    yield open_db
    if request.param == "milvus":
        with open_db() as database:
            for info in database.list_collections():
                database.drop_collection(info.name)
    for database in opened:
        database.close()


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
