"""`bindspace convert`: local ImageBind and OpenCLIP checkpoints become installed, servable models."""

import json
from pathlib import Path

import open_clip
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from bindspace.app.cli import main
from bindspace.engine.model_source import resolve_model_dir
from bindspace.engine.settings import settings_from_env
from bindspace.models import build_model, load_model


@pytest.fixture()
def store(tmp_path, monkeypatch):
    root = tmp_path / "store"
    monkeypatch.setenv("BINDSPACE_MODEL_DIR", str(root))
    settings_from_env.cache_clear()
    yield root
    settings_from_env.cache_clear()


def test_imagebind_checkpoint_installs_by_name(store, tmp_path, capsys):
    torch.manual_seed(0)
    original = build_model("tiny")
    checkpoint = tmp_path / "my_bind.pth"
    torch.save(original.state_dict(), checkpoint)
    assert main(["convert", str(checkpoint), "--config", "tiny"]) == 0
    assert capsys.readouterr().out.strip() == str(store / "my_bind")
    assert resolve_model_dir(Path("my_bind"), store) == store / "my_bind"
    converted = load_model(store / "my_bind")
    for key, value in original.state_dict().items():
        assert torch.equal(converted.state_dict()[key], value), key
    assert json.loads((store / "my_bind" / "source.json").read_text())["converted_from"] == str(checkpoint)
    # The same name again needs --force; a checkpoint of another size does not fit the preset.
    assert main(["convert", str(checkpoint), "--config", "tiny"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["convert", str(checkpoint), "--config", "small", "--name", "other"]) == 2
    assert "shape mismatches" in capsys.readouterr().err
    assert main(["convert", str(checkpoint), "--config", "tiny", "--name", "../escaped"]) == 2
    assert "invalid model name" in capsys.readouterr().err
    assert sorted(p.name for p in store.iterdir()) == ["my_bind"] and not (tmp_path / "escaped").exists()


@pytest.mark.parametrize("suffix", [".safetensors", ".bin"])
def test_openclip_checkpoint_converts_exactly(store, tmp_path, capsys, suffix):
    torch.manual_seed(1)
    clip = open_clip.create_model("ViT-S-32-alt", pretrained=None).eval()
    checkpoint = tmp_path / f"small_clip{suffix}"
    state = {k: v.contiguous() for k, v in clip.state_dict().items()}
    save_file(state, checkpoint) if suffix == ".safetensors" else torch.save(state, checkpoint)
    output = tmp_path / "converted"
    assert main(["convert", str(checkpoint), "--openclip", "ViT-S-32-alt", "--output", str(output)]) == 0
    assert capsys.readouterr().out.strip() == str(output)
    model = load_model(output)
    assert model.modalities == ("vision", "text")
    images = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    tokens = open_clip.tokenize(["a red bicycle", "rain on a roof"])
    with torch.inference_mode():
        image_cos = F.cosine_similarity(model.encode("vision", images), clip.encode_image(images))
        text_cos = F.cosine_similarity(model.encode("text", tokens), clip.encode_text(tokens))
    assert image_cos.min().item() >= 0.99999 and text_cos.min().item() >= 0.99999


def test_unsupported_openclip_architecture_is_refused(store, tmp_path, capsys):
    checkpoint = tmp_path / "resnet.pt"
    checkpoint.write_bytes(b"not read: the architecture is refused first")
    assert main(["convert", str(checkpoint), "--openclip", "RN50", "--name", "resnet"]) == 2
    assert "ModifiedResNet" in capsys.readouterr().err
    assert not (store / "resnet").exists() and [p.name for p in store.iterdir()] == []
