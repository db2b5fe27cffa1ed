"""Training an encoder tower of a towers model: only that tower learns, and the stored model holds only
bindspace's own weights and loads back to the same outputs."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from bindspace.models import load_model
from bindspace.models.kinds import build_preprocessors, preprocess_options
from bindspace.models.tower_model import TowerModel, TowerModelConfig, load_pretrained_backbones
from bindspace.models.tower_presets import encoder_tower, minilm_efficientnet_config
from bindspace.training.anchor import save_model_weights
from bindspace.training.loss import InfoNCELoss
from bindspace.training.manifest import read_manifest
from bindspace.training.pipeline import run_stages
from bindspace.training.stage import binding_stage
from bindspace.training.trainer import StageTrainer, TrainOptions

ACTIVITIES = ("a person lying still", "a person walking", "a person running", "a person jumping")
IMU_SIZES = {"imu_embed_dim": 32, "imu_num_blocks": 1, "imu_num_heads": 2, "imu_drop_path": 0.0,
             "imu_kernel_size": 40}


def write_items(folder, count: int, seed: int):
    """IMU recordings at 50 Hz whose shake frequency grows with the activity, and the activity's caption."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(count):
        label = i % len(ACTIVITIES)
        t = np.arange(100) / 50
        shake = np.sin(2 * np.pi * (0.5 + 3 * label) * t + rng.uniform(0, 6.3))[:, None] * (label > 0)
        imu = np.array([0, 0, 9.8, 0, 0, 0]) + 2 * shake * rng.uniform(0.5, 1.5, 6) + rng.normal(0, 0.2, (100, 6))
        np.savetxt(folder / f"{i}.csv", imu, delimiter=",", header="ax,ay,az,gx,gy,gz", comments="")
        lines.append(json.dumps({"imu": f"{i}.csv", "text": ACTIVITIES[label]}))
    (folder / "items.jsonl").write_text("\n".join(lines) + "\n")
    return folder / "items.jsonl"


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    root = tmp_path_factory.mktemp("imu-items")
    return [read_manifest(write_items(root / split, count, seed), ["text", "imu"])
            for split, count, seed in (("train", 48, 0), ("val", 24, 1))]


def text_and_imu_towers() -> TowerModel:
    """all-MiniLM-L6-v2 (pretrained, pinned) and a small IMU encoder tower, freshly initialised."""
    config = minilm_efficientnet_config("lite0")
    config["towers"] = {"text": config["towers"]["text"], "imu": encoder_tower("imu", IMU_SIZES)}
    torch.manual_seed(0)
    model = TowerModel(TowerModelConfig.from_dict(config)).eval()
    load_pretrained_backbones(model)
    return model


def options(run_dir) -> TrainOptions:
    return TrainOptions(run_dir=run_dir, seed=1, num_workers=0, progress=False, tensorboard=False, bf16=False)


STAGE = binding_stage("imu", anchor="text", steps=12, batch_size=16, lr=3e-3, warmup_steps=1, temperature=0.1)


def test_binding_trains_the_encoder_tower_and_leaves_the_pretrained_tower_alone(records, tmp_path) -> None:
    model = text_and_imu_towers()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    preprocessors = build_preprocessors(imu={"sample_rate": 50}, **preprocess_options(model.config))
    trainer = StageTrainer(model, STAGE, *records, preprocessors, options(tmp_path / "run"))
    start_loss = trainer.validate(trainer._frozen_tables()["val"], InfoNCELoss(STAGE.temperature))["loss"]
    result = trainer.run()
    assert result.completed and result.validation["loss"] < start_loss - 0.1
    changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed and all(k.startswith("towers.imu.encoder.") for k in changed)


def test_a_trained_towers_model_stores_only_its_own_weights_and_loads_back(records, tmp_path) -> None:
    model = text_and_imu_towers()
    preprocessors = build_preprocessors(imu={"sample_rate": 50}, **preprocess_options(model.config))
    model, summaries = run_stages(model, [STAGE], *records, preprocessors, options(tmp_path / "run"))
    assert summaries[0]["completed"]
    stage_dir = tmp_path / "run" / STAGE.name / "model"
    stored = load_file(stage_dir / "model.safetensors")
    assert stored and all(k.startswith("towers.imu.") for k in stored)

    x = torch.stack([preprocessors["imu"](r.inputs["imu"]) for r in records[1][:4]])
    with torch.inference_mode():
        expected = model.encode("imu", x)
        torch.testing.assert_close(load_model(stage_dir).encode("imu", x), expected, atol=1e-6, rtol=0)

    half = save_model_weights(model, tmp_path / "half", dtype="float16", name="half", class_prompts=["a {}."])
    assert {t.dtype for t in load_file(half / "model.safetensors").values()} == {torch.float16}
    assert json.loads((half / "config.json").read_text())["class_prompts"] == ["a {}."]
    with torch.inference_mode():
        reloaded = load_model(half).encode("imu", x)
    assert reloaded.dtype == torch.float32
    torch.testing.assert_close(reloaded, expected, atol=2e-2, rtol=0)


def test_an_encoder_tower_refuses_sizes_of_another_modality() -> None:
    config = minilm_efficientnet_config("lite0")
    config["towers"] = {"imu": encoder_tower("imu", {"audio_embed_dim": 64})}
    with pytest.raises(ValueError, match="must start with 'imu_'"):
        TowerModel(TowerModelConfig.from_dict(config))


def test_a_towers_anchor_gains_an_encoder_tower_and_keeps_its_own_weights() -> None:
    from bindspace.training.anchor import with_encoders

    config = minilm_efficientnet_config("lite0")
    config["towers"] = {"text": config["towers"]["text"]}
    anchor = TowerModel(TowerModelConfig.from_dict(config)).eval()
    load_pretrained_backbones(anchor)
    model = with_encoders(anchor, ["text", "imu"], {"imu_embed_dim": 32, "imu_num_heads": 2})
    assert model.modalities == ("text", "imu")
    assert model.config.towers["imu"]["encoder"]["imu_embed_dim"] == 32
    assert model.config.towers["imu"]["encoder"]["imu_kernel_size"] == 40  # the default model's size
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in anchor.state_dict().items())
    with pytest.raises(ValueError, match="pretrained"):
        with_encoders(anchor, ["vision"])
    with pytest.raises(ValueError, match="new encoder"):
        with_encoders(anchor, ["text"], {"text_embed_dim": 8})
