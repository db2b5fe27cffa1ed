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
