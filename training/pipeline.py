"""Running a recipe end to end: corpus, preprocessing cache, stages in order, the stored model.

Every phase can be interrupted and rerun: the corpus is kept once complete, cached tensors are
reused, a finished stage's model is kept under `<work_dir>/<stage>/model`, and an unfinished stage
resumes from its newest checkpoint.
"""

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from bindspace.models.factory import build_model, load_model, save_model
from bindspace.models.model import ImageBindModel
from bindspace.models.tower_model import FAMILY as TOWERS_FAMILY
from bindspace.models.tower_model import TowerModel
from bindspace.training.anchor import save_model_weights
from bindspace.training.cache import TensorCache
from bindspace.training.data import PairDataset, warm_cache
from bindspace.training.manifest import ManifestRecord, read_manifest
from bindspace.training.metrics_log import MetricsLog
from bindspace.training.recipes import Recipe
from bindspace.training.stage import StageConfig
from bindspace.training.towers_default import bridged_towers
from bindspace.training.trainer import StageResult, StageTrainer, TrainOptions

STAGE_MODEL = "model"


def default_workers() -> int:
    return max(1, (os.cpu_count() or 1))


def corpus_manifest(corpus_dir: str | os.PathLike, split: str) -> Path:
    return Path(corpus_dir) / split / "manifest.jsonl"


def prepare_corpus(corpus_dir: str | os.PathLike, parameters: Mapping[str, Any]) -> Path:
    """Write the procedural corpus into `corpus_dir` unless a complete one with these parameters is there."""
    from bindspace.training.corpus import write_corpus

    corpus_dir = Path(corpus_dir)
    marker = corpus_dir / "parameters.json"
    wanted = json.dumps(dict(parameters), sort_keys=True)
    if marker.is_file() and marker.read_text() == wanted:
        return corpus_dir
    write_corpus(corpus_dir, overwrite=True, **parameters)
    marker.write_text(wanted)
    return corpus_dir


def warm_kinds(records: Sequence[ManifestRecord], kinds: Sequence[str], preprocessors: Mapping[str, Callable],
               cache: TensorCache, workers: int) -> None:
    """Preprocess every media file of `kinds` into the cache, with `workers` processes."""
    media = [kind for kind in kinds if kind != "text"]
    if media:
        warm_cache(PairDataset(records, media, preprocessors, cache=cache), workers)


def start_model(recipe: Recipe) -> ImageBindModel | TowerModel:
    """The model a recipe's first stage trains: a towers model's pretrained towers with its trained
    encoders freshly initialised, or a fresh ImageBind-layout model; seeded by the recipe."""
    torch.manual_seed(recipe.seed)
    if recipe.model.get("family") == TOWERS_FAMILY:
        return bridged_towers(recipe.model)
    return build_model(recipe.model)


def run_stages(
    model: ImageBindModel | TowerModel,
    stages: Sequence[StageConfig],
    train_records: Sequence[ManifestRecord],
    val_records: Sequence[ManifestRecord],
    preprocessors: Mapping[str, Callable],
    options: TrainOptions,
    log: MetricsLog | None = None,
) -> tuple[ImageBindModel | TowerModel, list[dict[str, Any]]]:
    """Run `stages` in order on one model; a stage whose model was saved before is loaded, not rerun."""
    log = log or MetricsLog(options.run_dir, tensorboard=options.tensorboard)
    summaries = []
    for stage in stages:
        saved = options.run_dir / stage.name / STAGE_MODEL
        if (saved / "config.json").is_file():
            model = load_model(saved)
            summaries.append(json.loads((options.run_dir / stage.name / "result.json").read_text()))
            continue
        result = StageTrainer(model, stage, train_records, val_records, preprocessors, options, log).run()
        if not result.completed:
            summaries.append(asdict(result))
            break
        save_model(model, saved)
        (options.run_dir / stage.name / "result.json").write_text(json.dumps(asdict(result), indent=2))
        summaries.append(asdict(result))
    return model, summaries


def train_recipe(
    recipe: Recipe,
    *,
    work_dir: str | os.PathLike,
    out_dir: str | os.PathLike | None,
    corpus_dir: str | os.PathLike | None = None,
    options: Mapping[str, Any] | None = None,
    preprocess_workers: int | None = None,
) -> dict[str, Any]:
    """Train `recipe` from nothing to a stored model in `out_dir`; returns (and writes to
    `<work_dir>/summary.json`) the phases' wall-clock times and each stage's validation metrics."""
    from bindspace.models.kinds import build_preprocessors, preprocess_options
    from bindspace.models.preprocess import InputLimits

    started = time.perf_counter()
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    train_options = TrainOptions(run_dir=work_dir, seed=recipe.seed, **dict(options or {}))
    timings: dict[str, float] = {}

    tick = time.perf_counter()
    corpus_dir = prepare_corpus(corpus_dir or work_dir / "corpus", recipe.corpus)
    timings["corpus_s"] = time.perf_counter() - tick

    tick = time.perf_counter()
    model = start_model(recipe)
    timings["start_model_s"] = time.perf_counter() - tick

    kinds = sorted({kind for stage in recipe.stages for kind in stage.pair})
    train_records = read_manifest(corpus_manifest(corpus_dir, "train"), kinds)
    val_records = read_manifest(corpus_manifest(corpus_dir, "val"), kinds)
    preprocessors = build_preprocessors(InputLimits(), **preprocess_options(model.config))

    tick = time.perf_counter()
    cache = TensorCache(train_options.cache_dir)
    warm_kinds(train_records + val_records, kinds, preprocessors, cache, preprocess_workers or default_workers())
    timings["preprocess_s"] = time.perf_counter() - tick

    summaries: list[dict[str, Any]] = []
    for stage in recipe.stages:
        tick = time.perf_counter()
        model, done = run_stages(model, [stage], train_records, val_records, preprocessors, train_options)
        timings[f"{stage.name}_s"] = time.perf_counter() - tick
        summaries += done
        if not done[-1]["completed"]:
            break
    completed = len(summaries) == len(recipe.stages) and all(s["completed"] for s in summaries)
    if completed and out_dir is not None:
        save_model_weights(model, out_dir, dtype=recipe.weights_dtype, name=recipe.name,
                           description=recipe.description, class_names=recipe.model.get("class_names"),
                           class_prompts=recipe.model.get("class_prompts"))
    timings["total_s"] = time.perf_counter() - started
    summary = {"recipe": recipe.to_dict(), "completed": completed, "timings": timings, "stages": summaries,
               "train_items": len(train_records), "val_items": len(val_records),
               "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count()}
    (work_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
