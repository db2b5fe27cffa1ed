"""Tiny training runs on generated (image, caption, IMU) triples through the real preprocessing."""

import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from bindspace.models import build_model
from bindspace.models.config import get_config
from bindspace.models.kinds import build_preprocessors
from bindspace.training.loss import InfoNCELoss
from bindspace.training.manifest import read_manifest
from bindspace.training.stage import StageConfig, binding_stage
from bindspace.training.trainer import StageTrainer, TrainOptions

CLASSES = ("red square", "green stripes", "blue ring", "yellow dots")
COLOURS = ((220, 40, 40), (40, 190, 60), (50, 60, 220), (230, 210, 40))


def draw(label, rng):
    canvas = np.full((48, 48, 3), 128, dtype=np.int64) + rng.integers(-20, 21, 3)
    y, x = np.mgrid[:48, :48]
    mask = [(abs(y - 24) < 12) & (abs(x - 24) < 12), (x % 8) < 4,
            abs(np.hypot(y - 24, x - 24) - 14) < 4, ((y % 10) < 4) & ((x % 10) < 4)][label]
    canvas[mask] = np.array(COLOURS[label]) + rng.integers(-25, 26, 3)
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))


def write_items(folder, count, seed):
    """`count` items of 4 classes: an image, a caption, and a 50 Hz IMU recording whose gravity
    direction and shake frequency depend on the class."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(count):
        label = i % 4
        draw(label, rng).save(folder / f"{i}.png")
        t = np.arange(100) / 50
        gravity = np.zeros(6)
        gravity[label % 3] = 9.8 if label < 3 else -9.8
        shake = np.sin(2 * np.pi * (1 + 2 * label) * t + rng.uniform(0, 6.3))[:, None]
        imu = gravity + shake * rng.uniform(0.5, 1.5, 6) + rng.normal(0, 0.3, (100, 6))
        np.savetxt(folder / f"{i}.csv", imu, delimiter=",", header="ax,ay,az,gx,gy,gz", comments="")
        caption = f"{rng.choice(['a', 'one', 'the'])} {CLASSES[label]}"
        lines.append(json.dumps({"image": f"{i}.png", "imu": f"{i}.csv", "text": caption, "label": label}))
    (folder / "items.jsonl").write_text("\n".join(lines) + "\n")
    return folder / "items.jsonl"


@pytest.fixture(scope="module")
def manifests(tmp_path_factory):
    root = tmp_path_factory.mktemp("items")
    return write_items(root / "train", 48, seed=0), write_items(root / "val", 24, seed=1)


@pytest.fixture(scope="module")
def preprocessors():
    return build_preprocessors(imu={"sample_rate": 50})


def records(manifests, kinds):
    return [read_manifest(path, kinds) for path in manifests]


# "tiny" with coarser patches and single blocks: a few dozen tokens per item keeps the tests quick.
TEST_CONFIG = dataclasses.replace(get_config("tiny"), kernel_size=(2, 28, 28), vision_num_blocks=1,
                                  text_num_blocks=1, imu_num_blocks=1, imu_kernel_size=40, imu_drop_path=0.0)


def fresh_model(modalities):
    torch.manual_seed(0)
    return build_model(TEST_CONFIG, modalities=modalities)


def options(run_dir, **overrides):
    values = {"seed": 3, "num_workers": 0, "progress": False, "checkpoint_every": 3, "tensorboard": False,
              "cache_dir": run_dir.parent / "cache"}
    return TrainOptions(run_dir=run_dir, **{**values, **overrides})


# The tiny random text encoder already separates the four captions, so it is a usable frozen anchor.
BIND = binding_stage("imu", anchor="text", steps=9, batch_size=16, lr=3e-3, warmup_steps=1, temperature=0.1)


def test_binding_lowers_validation_loss_and_leaves_the_anchor_alone(manifests, preprocessors, tmp_path):
    model = fresh_model(("text", "imu"))
    frozen_before = {k: v.clone() for k, v in model.state_dict().items() if ".text." in k}
    trainer = StageTrainer(model, BIND, *records(manifests, ["text", "imu"]), preprocessors,
                           options(tmp_path / "run", num_workers=1))
    before = trainer.validate(trainer._frozen_tables()["val"], InfoNCELoss(BIND.temperature))["loss"]
    result = trainer.run()
    assert result.completed and result.steps == BIND.steps
    assert result.validation["loss"] < before - 0.1
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in frozen_before.items())
    rows = trainer.log.rows(BIND.name)
    assert {row["name"] for row in rows} >= {"loss", "lr", "samples_per_s", "val_loss", "val_imu_to_text_R@1"}
    assert len([row for row in rows if row["name"] == "loss"]) == BIND.steps


def test_resume_after_interruption_matches_an_uninterrupted_run(manifests, preprocessors, tmp_path):
    def run(run_dir, **overrides):
        model = fresh_model(("text", "imu"))
        trainer = StageTrainer(model, BIND, *records(manifests, ["text", "imu"]), preprocessors,
                               options(run_dir, **overrides))
        return model, trainer, trainer.run()

    whole_model, whole, _ = run(tmp_path / "whole")
    _, _, first = run(tmp_path / "split", stop_at_step=4)
    assert not first.completed and first.steps == 4
    resumed_model, resumed, second = run(tmp_path / "split")
    assert second.completed and second.steps == BIND.steps

    for (name, a), b in zip(whole_model.state_dict().items(), resumed_model.state_dict().values()):
        assert torch.equal(a, b), name
    newest = lambda run_dir: torch.load(sorted((run_dir / BIND.name / "checkpoints").iterdir())[-1], weights_only=True)
    whole_state, resumed_state = newest(tmp_path / "whole"), newest(tmp_path / "split")
    assert whole_state["optimizer"]["state"].keys() == resumed_state["optimizer"]["state"].keys()
    for key, state in whole_state["optimizer"]["state"].items():
        for name, value in state.items():
            assert torch.equal(value, resumed_state["optimizer"]["state"][key][name]), (key, name)
    assert whole_state["scheduler"] == resumed_state["scheduler"]
    losses = lambda trainer: [row["value"] for row in trainer.log.rows(BIND.name) if row["name"] == "loss"]
    assert losses(whole) == losses(resumed)


def test_resume_refuses_a_changed_stage(manifests, preprocessors, tmp_path):
    model = fresh_model(("text", "imu"))
    StageTrainer(model, BIND, *records(manifests, ["text", "imu"]), preprocessors,
                 options(tmp_path, stop_at_step=3)).run()
    changed = binding_stage("imu", anchor="text", steps=9, batch_size=16, lr=1e-3, warmup_steps=1, temperature=0.1)
    with pytest.raises(ValueError, match="different configuration"):
        StageTrainer(model, changed, *records(manifests, ["text", "imu"]), preprocessors, options(tmp_path)).run()


def test_anchor_stage_learns_image_text_and_its_temperature(manifests, preprocessors, tmp_path):
    stage = StageConfig(name="anchor", pair=("image", "text"), trained=("image", "text"), temperature=0.07,
                        learnable_temperature=True, steps=6, batch_size=16, lr=2e-3, warmup_steps=1)
    model = fresh_model(("vision", "text"))
    trainer = StageTrainer(model, stage, *records(manifests, ["image", "text"]), preprocessors, options(tmp_path))
    before = trainer.validate({}, InfoNCELoss(stage.temperature))["loss"]
    result = trainer.run()
    assert result.validation["loss"] < before
    learned = [float(r["value"]) for r in trainer.log.rows("anchor") if r["name"] == "temperature"][-1]
    assert learned != pytest.approx(0.07, abs=1e-6)
    text_scale = model.modality_postprocessors["text"][1].log_logit_scale
    assert math.exp(text_scale.item()) == pytest.approx(1 / learned, rel=1e-4)


def test_run_stages_keeps_finished_stages(manifests, preprocessors, tmp_path):
    from bindspace.training.pipeline import run_stages

    short = binding_stage("imu", anchor="text", steps=3, batch_size=16, lr=3e-3, warmup_steps=1, temperature=0.1)
    model, summaries = run_stages(fresh_model(("text", "imu")), [short], *records(manifests, ["text", "imu"]),
                                  preprocessors, options(tmp_path))
    assert summaries[0]["completed"] and (tmp_path / short.name / "model" / "config.json").is_file()
    again, summaries_again = run_stages(fresh_model(("text", "imu")), [short], *records(manifests, ["text", "imu"]),
                                        preprocessors, options(tmp_path))
    assert summaries_again == summaries
    for (name, a), b in zip(model.state_dict().items(), again.state_dict().values()):
        assert torch.equal(a, b), name
