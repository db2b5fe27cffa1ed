"""`bindspace pull` against a local HTTP server: verified installs, refused corruption, resumed and
restarted downloads, fast failures without a server, licence acceptance, and serving by name."""

import hashlib
import io
import json
import socket
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from bindspace.app.cli import main
from bindspace.engine.model_source import ModelNotFoundError, resolve_model_dir
from bindspace.engine.settings import settings_from_env
from bindspace.models import build_model, load_model
from bindspace.models.config import PRESETS
from bindspace.models.store import DownloadError, download_file
from checkpoint_server import CheckpointServer, ServedFile

# The tiny preset with a small vocabulary keeps the checkpoint near 1.5 MB.
CONFIG = {**PRESETS["tiny"].to_dict(), "vocab_size": 1000}


@pytest.fixture(scope="module")
def checkpoint() -> bytes:
    torch.manual_seed(0)
    buffer = io.BytesIO()
    torch.save(build_model(CONFIG).state_dict(), buffer)
    return buffer.getvalue()


@pytest.fixture()
def server():
    with CheckpointServer() as running:
        yield running


@pytest.fixture()
def store(tmp_path, monkeypatch):
    root = tmp_path / "store"
    monkeypatch.setenv("BINDSPACE_MODEL_DIR", str(root))
    settings_from_env.cache_clear()
    yield root
    settings_from_env.cache_clear()


def write_registry(path: Path, url: str, data: bytes, **overrides) -> Path:
    entry = {
        "name": "tiny-bind",
        "description": "a random tiny ImageBind checkpoint",
        "licence": "CC0-1.0",
        "source": {"kind": "url", "urls": [url], "filename": "tiny.pth",
                   "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)},
        "converter": {"format": "imagebind", "config": CONFIG},
    }
    entry.update(overrides)
    path.write_text(json.dumps({"models": [entry]}), encoding="utf-8")
    return path


def pull(registry: Path, *extra: str) -> int:
    return main(["pull", "tiny-bind", "--registry", str(registry), *extra])


def store_contents(root: Path) -> list[str]:
    """Everything left in the store except empty bookkeeping directories."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def assert_installed(root: Path, data: bytes) -> None:
    expected = torch.load(io.BytesIO(data), weights_only=True)
    model = load_model(root / "tiny-bind")
    for key, value in model.state_dict().items():
        assert torch.equal(value, expected[key]), key
    source = json.loads((root / "tiny-bind" / "source.json").read_text())
    assert source["sha256"] == hashlib.sha256(data).hexdigest() and source["verified"] is True
    assert store_contents(root) == ["tiny-bind/config.json", "tiny-bind/model.safetensors", "tiny-bind/source.json"]


def test_pull_verifies_and_installs(server, store, tmp_path, checkpoint, capsys):
    server.files["/tiny.pth"] = ServedFile(checkpoint)
    registry = write_registry(tmp_path / "registry.json", server.url("/tiny.pth"), checkpoint)
    assert pull(registry) == 0
    out = capsys.readouterr()
    assert out.out.strip() == str(store / "tiny-bind")
    assert f"sha256 {hashlib.sha256(checkpoint).hexdigest()} verified" in out.err
    assert_installed(store, checkpoint)
    # Served by name, through the store.
    assert resolve_model_dir(Path("tiny-bind"), store) == store / "tiny-bind"
    # A second pull finds it installed and downloads nothing.
    assert pull(registry) == 0
    assert len(server.files["/tiny.pth"].requests) == 1
    capsys.readouterr()
    assert main(["models", "--registry", str(registry)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[1].split()[:3] == ["tiny-bind", "yes", "CC0-1.0"]


def test_pulled_model_is_served_by_name(server, store, tmp_path, checkpoint, monkeypatch, capsys):
    server.files["/tiny.pth"] = ServedFile(checkpoint)
    registry = write_registry(tmp_path / "registry.json", server.url("/tiny.pth"), checkpoint)
    assert pull(registry) == 0
    image = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)).save(image)
    monkeypatch.setenv("BINDSPACE_MODEL", "tiny-bind")
    monkeypatch.setenv("BINDSPACE_DATA_DIR", str(tmp_path / "data"))
    settings_from_env.cache_clear()
    capsys.readouterr()
    assert main(["embed", str(image)]) == 0
    row = json.loads(capsys.readouterr().out.strip())
    assert row["modality"] == "image" and len(row["embedding"]) == CONFIG["out_embed_dim"]


def test_one_corrupted_byte_is_refused_and_nothing_installed(server, store, tmp_path, checkpoint, capsys):
    corrupted = bytearray(checkpoint)
    corrupted[len(corrupted) // 2] ^= 0x01
    server.files["/tiny.pth"] = ServedFile(bytes(corrupted))
    registry = write_registry(tmp_path / "registry.json", server.url("/tiny.pth"), checkpoint)
    assert pull(registry) == 2
    err = capsys.readouterr().err
    assert f"expected sha256 {hashlib.sha256(checkpoint).hexdigest()}" in err
    assert f"got sha256 {hashlib.sha256(bytes(corrupted)).hexdigest()}" in err
    assert "nothing was installed" in err
    assert store_contents(store) == []
    assert not (store / "tiny-bind").exists()


def test_interrupted_download_resumes_where_it_stopped(server, store, tmp_path, checkpoint):
    cut = len(checkpoint) // 3
    server.files["/tiny.pth"] = ServedFile(checkpoint, cut_first_answer_after=cut)
    registry = write_registry(tmp_path / "registry.json", server.url("/tiny.pth"), checkpoint)
    assert pull(registry) == 0
    assert server.files["/tiny.pth"].requests == [(None, 200), (f"bytes={cut}-", 206)]
    assert_installed(store, checkpoint)


def test_a_broken_off_download_resumes_on_the_next_run(server, tmp_path, checkpoint):
    cut = len(checkpoint) // 4
    served = server.files["/tiny.pth"] = ServedFile(checkpoint, cut_first_answer_after=cut)
    target = tmp_path / "downloads" / "tiny.pth"
    digest = hashlib.sha256(checkpoint).hexdigest()
    with pytest.raises(DownloadError, match=f"broke off after {cut} bytes"):
        download_file([server.url("/tiny.pth")], target, sha256=digest, size=len(checkpoint), attempts=1,
                      progress=False)
    assert target.with_name("tiny.pth.part").stat().st_size == cut and not target.exists()
    assert download_file([server.url("/tiny.pth")], target, sha256=digest, size=len(checkpoint),
                         progress=False) == digest
    assert served.requests[1] == (f"bytes={cut}-", 206)
    assert target.read_bytes() == checkpoint


def test_server_without_range_support_restarts_cleanly(server, store, tmp_path, checkpoint):
    cut = len(checkpoint) // 3
    server.files["/tiny.pth"] = ServedFile(checkpoint, supports_range=False, cut_first_answer_after=cut)
    registry = write_registry(tmp_path / "registry.json", server.url("/tiny.pth"), checkpoint)
    # A stale partial file of other bytes from an earlier run: the full answer must replace it.
    part = store / ".downloads" / "tiny-bind" / "tiny.pth.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\xff" * (cut // 2))
    assert pull(registry) == 0
    assert server.files["/tiny.pth"].requests == [(f"bytes={cut // 2}-", 200), (f"bytes={cut}-", 200)]
    assert_installed(store, checkpoint)


def test_no_server_fails_at_once_naming_the_url(store, tmp_path, checkpoint, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/tiny.pth"
    registry = write_registry(tmp_path / "registry.json", url, checkpoint)
    started = time.perf_counter()
    assert pull(registry) == 2
    assert time.perf_counter() - started < 2.0
    assert f"cannot download {url}" in capsys.readouterr().err
    assert store_contents(store) == []


def test_licence_needs_explicit_acceptance(server, store, tmp_path, checkpoint, capsys):
    server.files["/tiny.pth"] = ServedFile(checkpoint)
    registry = write_registry(
        tmp_path / "registry.json", server.url("/tiny.pth"), checkpoint,
        licence="CC-BY-NC-SA-4.0", licence_url="https://example.org/licence", licence_requires_accept=True,
    )
    assert pull(registry) == 2
    err = capsys.readouterr().err
    assert "CC-BY-NC-SA-4.0 (https://example.org/licence)" in err and "--accept-licence" in err
    assert server.files["/tiny.pth"].requests == []
    assert pull(registry, "--accept-licence") == 0
    assert "licence CC-BY-NC-SA-4.0 accepted" in capsys.readouterr().err
    assert_installed(store, checkpoint)


def test_unrecorded_sha256_needs_trust_and_is_reported(server, store, tmp_path, checkpoint, capsys):
    server.files["/tiny.pth"] = ServedFile(checkpoint)
    registry = write_registry(tmp_path / "registry.json", server.url("/tiny.pth"), checkpoint)
    data = json.loads(registry.read_text())
    data["models"][0]["source"]["sha256"] = None
    registry.write_text(json.dumps(data))
    assert pull(registry) == 2
    assert "--trust-unverified" in capsys.readouterr().err
    assert server.files["/tiny.pth"].requests == []
    assert pull(registry, "--trust-unverified") == 0
    assert f"sha256 {hashlib.sha256(checkpoint).hexdigest()} NOT verified" in capsys.readouterr().err
    assert json.loads((store / "tiny-bind" / "source.json").read_text())["verified"] is False


def test_unknown_names_are_explained(store, capsys):
    assert main(["pull", "no-such-model"]) == 2
    assert "known models are" in capsys.readouterr().err
    assert main(["pull", "openclip:ViT-B-32:no_such_tag"]) == 2
    assert "its tags are" in capsys.readouterr().err
    with pytest.raises(ModelNotFoundError, match="bindspace pull tiny-bind"):
        resolve_model_dir(Path("tiny-bind"), store)


def test_bundled_registry_lists_imagebind_with_its_licence(store, capsys):
    assert main(["models"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "CC-BY-NC-SA-4.0" in rows["imagebind-huge"] and " no " in rows["imagebind-huge"]
    assert rows["default"].split()[1] in ("bundled", "missing")
    assert main(["pull", "imagebind-huge"]) == 2
    assert "--accept-licence" in capsys.readouterr().err


def test_openclip_tag_offline_fails_at_once_naming_the_url(store, monkeypatch, capsys):
    import huggingface_hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    started = time.perf_counter()
    assert main(["pull", "openclip-vit-b-32-laion2b"]) == 2
    assert time.perf_counter() - started < 10.0
    assert "https://huggingface.co/laion/CLIP-ViT-B-32-laion2B-s34B-b79K" in capsys.readouterr().err
    assert store_contents(store) == []


def test_unsupported_openclip_tag_is_refused_before_downloading(store, capsys):
    assert main(["pull", "openclip:RN50:openai"]) == 2
    assert "ModifiedResNet" in capsys.readouterr().err
    assert store_contents(store) == []


def test_openclip_tag_installs_with_the_activation_it_was_trained_with(store, monkeypatch, capsys):
    """`ViT-B-32:openai` was trained with QuickGELU although the architecture's name does not say so.

    open_clip's download and weight loading are replaced (no network here); the architecture, tag
    handling, conversion and installation are the real ones."""
    import open_clip

    loaded = []
    monkeypatch.setattr(open_clip.factory, "download_pretrained", lambda cfg, cache_dir=None: "/weights/ViT-B-32.pt")
    monkeypatch.setattr(open_clip.factory, "load_checkpoint", lambda model, path, **kwargs: loaded.append(path))
    assert main(["pull", "openclip:ViT-B-32:openai"]) == 0
    assert loaded == ["/weights/ViT-B-32.pt"]
    installed = store / "openclip--ViT-B-32--openai"
    assert capsys.readouterr().out.strip() == str(installed)
    config = json.loads((installed / "config.json").read_text())
    assert config["vision_text_activation"] == "quick_gelu" and config["modalities"] == ["vision", "text"]
    assert resolve_model_dir(Path("openclip:ViT-B-32:openai"), store) == installed
    source = json.loads((installed / "source.json").read_text())
    assert source["openclip"] == {"architecture": "ViT-B-32", "pretrained": "openai"}
