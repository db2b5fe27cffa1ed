"""Running one contrastive stage: AdamW, warmup + cosine, clipping, bf16 autocast, exact resume."""

import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from bindspace.models.model import modality_of
from bindspace.models.kinds import encoder_of
from bindspace.training.cache import TensorCache
from bindspace.training.data import PairDataset, item_loader, sequential_batches
from bindspace.training.embedding import encoder_modules, frozen_embeddings
from bindspace.training.loss import InfoNCELoss, symmetric_info_nce
from bindspace.training.manifest import ManifestRecord
from bindspace.training.metrics import retrieval_recall
from bindspace.training.metrics_log import MetricsLog
from bindspace.training.patch_dropout import encode_with_patch_dropout
from bindspace.training.sampler import EpochBatches, ResumableBatchSampler
from bindspace.training.schedule import warmup_cosine_scheduler
from bindspace.training.stage import StageConfig
from bindspace.training.state import list_checkpoints, load_checkpoint_state, restore_rng, save_checkpoint, seed_everything

NO_DECAY_NAMES = ("pos_embed", "cls_token", "token_embedding", "bias_k", "bias_v", "log_logit_scale")


@dataclass
class TrainOptions:
    """How a stage runs (not what it learns): where it writes, workers, precision, checkpoints."""

    run_dir: Path
    seed: int = 0
    num_workers: int = 1
    bf16: bool = True
    device: str = "cpu"
    checkpoint_every: int = 200
    keep_checkpoints: int = 2
    cache_dir: Path | None = None
    """Preprocessed tensors and frozen embeddings; None means `<run_dir>/cache`."""
    progress: bool = True
    tensorboard: bool = True
    stop_at_step: int | None = None
    """Stop (after checkpointing) once this many steps are done, to continue later with resume."""
    eval_batch_size: int = 128
    threads: int | None = None
    """torch intra-op threads while the stage runs (None: leave torch's setting). On a CPU shared
    with other work, 1 thread is often several times faster than 2: small ops stall waiting for
    a busy core."""

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir)
        if self.cache_dir is None:
            self.cache_dir = self.run_dir / "cache"
        if self.checkpoint_every < 1 or self.num_workers < 0 or (self.threads is not None and self.threads < 1):
            raise ValueError("checkpoint_every and threads must be >= 1, num_workers >= 0")


@dataclass
class StageResult:
    stage: str
    steps: int
    completed: bool
    seconds: float
    samples_per_second: float
    validation: dict[str, float] = field(default_factory=dict)


def _group_keys(records: Sequence[ManifestRecord], key: str | None) -> list[str] | None:
    """The `key` value of every record (for distinct-group batches), or None without a key."""
    if key is None:
        return None
    missing = [record.line for record in records if key not in record.metadata]
    if missing:
        raise ValueError(f"distinct_key {key!r} is missing from {len(missing)} training record(s), "
                         f"e.g. manifest line {missing[0]}")
    return [json.dumps(record.metadata[key], sort_keys=True) for record in records]


def parameter_groups(named: Sequence[tuple[str, nn.Parameter]], weight_decay: float) -> list[dict]:
    """AdamW groups: matrices decay; biases, norms, embeddings, tokens and scales do not."""
    decay, no_decay = [], []
    for name, parameter in named:
        if parameter.ndim < 2 or any(part in name for part in NO_DECAY_NAMES):
            no_decay.append(parameter)
        else:
            decay.append(parameter)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def _text_logit_scale(model: nn.Module) -> torch.Tensor | None:
    for name, tensor in model.modality_postprocessors["text"].named_parameters():
        if name.endswith("log_logit_scale"):
            return tensor
    return None


class StageTrainer:
    """Trains the `trained` encoders of `model` on a stage's pairs; `run()` resumes from the newest
    checkpoint under `<run_dir>/<stage name>/checkpoints` when there is one."""

    def __init__(
        self,
        model: nn.Module,
        stage: StageConfig,
        train_records: Sequence[ManifestRecord],
        val_records: Sequence[ManifestRecord],
        preprocessors: Mapping[str, Callable],
        options: TrainOptions,
        log: MetricsLog | None = None,
    ):
        missing = [encoder_of(kind) for kind in stage.pair if encoder_of(kind) not in model.modalities]
        if missing:
            raise ValueError(f"stage {stage.name!r} needs encoder(s) {missing}; the model has {list(model.modalities)}")
        self.model = model
        self.stage = stage
        self.options = options
        self.device = torch.device(options.device)
        self.stage_dir = options.run_dir / stage.name
        self.log = log or MetricsLog(options.run_dir, tensorboard=options.tensorboard)
        self.cache = TensorCache(options.cache_dir)
        self.embedding_cache = TensorCache(options.cache_dir, float_dtype="float32")
        self.records = {"train": list(train_records), "val": list(val_records)}
        if len(val_records) < 2:
            raise ValueError(f"stage {stage.name!r} needs at least 2 validation items, got {len(val_records)}")
        self.preprocessors = preprocessors
        self.train_set = PairDataset(train_records, stage.trained, preprocessors, cache=self.cache,
                                     seed=options.seed, sample_one_clip=stage.sample_one_clip,
                                     augment=stage.augment)
        self.val_set = PairDataset(val_records, stage.trained, preprocessors, cache=self.cache, seed=options.seed)
        self.trained_modalities = sorted({encoder_of(kind) for kind in stage.trained})
        self.batches = EpochBatches(len(self.train_set), stage.batch_size, options.seed,
                                    groups=_group_keys(train_records, stage.distinct_key))

    # -- setup -------------------------------------------------------------------------------

    def _freeze_all_but_trained(self) -> list[tuple[str, nn.Parameter]]:
        named = []
        for name, parameter in self.model.named_parameters():
            trained = modality_of(name) in self.trained_modalities
            parameter.requires_grad_(trained)
            if trained:
                named.append((name, parameter))
        return named

    def _frozen_tables(self) -> dict[str, dict[str, torch.Tensor]]:
        tables: dict[str, dict[str, torch.Tensor]] = {"train": {}, "val": {}}
        for kind in self.stage.frozen:
            for split, records in self.records.items():
                dataset = PairDataset(records, [kind], self.preprocessors, cache=self.cache)
                tables[split][kind] = frozen_embeddings(
                    self.model, dataset, kind, encoder_of(kind), cache=self.embedding_cache,
                    batch_size=self.options.eval_batch_size, num_workers=self.options.num_workers,
                    bf16=self.options.bf16, device=self.device,
                )
        return tables

    def _trained_state(self) -> dict[str, torch.Tensor]:
        return {k: v for k, v in self.model.state_dict().items() if modality_of(k) in self.trained_modalities}

    # -- the loop ----------------------------------------------------------------------------

    def _embed(self, batch: dict, kind: str, table: dict[str, torch.Tensor]) -> torch.Tensor:
        if kind in table:
            return table[kind][batch["index"]].to(self.device)
        modality, x = encoder_of(kind), batch[kind].to(self.device)
        if self.model.training and self.stage.patch_dropout > 0 and modality != "text":
            return encode_with_patch_dropout(self.model, modality, x, self.stage.patch_dropout)
        return self.model.encode(modality, x)

    def run(self) -> StageResult:
        threads = torch.get_num_threads()
        if self.options.threads is not None:
            torch.set_num_threads(self.options.threads)
        try:
            return self._run()
        finally:
            torch.set_num_threads(threads)

    def _run(self) -> StageResult:
        stage, options = self.stage, self.options
        seed_everything(options.seed)
        self.model.to(self.device)
        named = self._freeze_all_but_trained()
        loss_fn = InfoNCELoss(stage.temperature, learnable=stage.learnable_temperature).to(self.device)
        groups = parameter_groups(named + list(loss_fn.named_parameters()), stage.weight_decay)
        optimizer = torch.optim.AdamW(groups, lr=stage.lr, betas=stage.betas)
        scheduler = warmup_cosine_scheduler(optimizer, stage.steps, stage.warmup_steps, stage.min_lr_ratio)
        parameters = [p for group in groups for p in group["params"]]
        tables = self._frozen_tables()

        step, epoch, batch_index = 0, 0, 0
        checkpoints = list_checkpoints(self.stage_dir / "checkpoints")
        if checkpoints:
            state = load_checkpoint_state(checkpoints[-1])
            if state["stage"] != stage.to_dict():
                raise ValueError(
                    f"{checkpoints[-1]} was written by a different configuration of stage {stage.name!r}; "
                    "use another run directory or the same settings"
                )
            missing, unexpected = self.model.load_state_dict(state["trained_state"], strict=False)
            if unexpected or any(modality_of(k) in self.trained_modalities for k in missing):
                raise ValueError(f"{checkpoints[-1]} does not fit the model being trained")
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            loss_fn.load_state_dict(state["loss"])
            step, epoch, batch_index = state["step"], state["epoch"], state["batch"]
            restore_rng(state["rng"])
            self.log.truncate_after(stage.name, step)

        def checkpoint() -> None:
            save_checkpoint(self.stage_dir / "checkpoints", step, {
                "stage": stage.to_dict(), "trained_state": self._trained_state(),
                "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "loss": loss_fn.state_dict(), "epoch": epoch, "batch": batch_index,
            }, keep=options.keep_checkpoints)

        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=options.bf16)
        stop = min(stage.steps, options.stop_at_step or stage.steps)
        validation: dict[str, float] = {}
        started, trained_samples = time.perf_counter(), 0
        rate = 0.0
        self.model.train()
        bar = tqdm(total=stage.steps, initial=step, desc=stage.name, disable=not options.progress,
                   dynamic_ncols=True, leave=True)
        try:
            while step < stop:
                sampler = ResumableBatchSampler(self.batches, epoch, batch_index)
                tick = time.perf_counter()
                for batch in item_loader(self.train_set, sampler, options.num_workers):
                    with autocast:
                        a, b = (self._embed(batch, kind, tables["train"]) for kind in stage.pair)
                    loss = loss_fn(a.float(), b.float())
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    grad_norm = torch.nn.utils.clip_grad_norm_(
                        parameters, stage.grad_clip if stage.grad_clip > 0 else math.inf)
                    optimizer.step()
                    scheduler.step()
                    step += 1
                    batch_index += 1
                    trained_samples += stage.batch_size
                    now = time.perf_counter()
                    rate = stage.batch_size / max(now - tick, 1e-9)
                    tick = now
                    values = {"loss": loss.item(), "lr": optimizer.param_groups[0]["lr"],
                              "temperature": loss_fn.temperature, "grad_norm": float(grad_norm),
                              "samples_per_s": rate}
                    self.log.log(stage.name, step, values)
                    bar.update(1)
                    bar.set_postfix(loss=f"{values['loss']:.3f}", samples_s=f"{rate:.0f}")
                    if batch_index == len(self.batches):
                        epoch, batch_index = epoch + 1, 0
                        validation = self.validate(tables["val"], loss_fn)
                        self.log.log(stage.name, step, {f"val_{k}": v for k, v in validation.items()})
                        bar.write(f"{stage.name} epoch {epoch} step {step}: "
                                  + ", ".join(f"{k} {v:.4f}" for k, v in validation.items()))
                    if step % options.checkpoint_every == 0 or step == stop:
                        checkpoint()
                    if step >= stop:
                        break
        finally:
            bar.close()
        completed = step >= stage.steps
        if completed:
            if batch_index != 0 or not validation:
                validation = self.validate(tables["val"], loss_fn)
                self.log.log(stage.name, step, {f"val_{k}": v for k, v in validation.items()})
            self._finish(loss_fn)
        for parameter in self.model.parameters():
            parameter.requires_grad_(True)
        self.model.eval()
        seconds = time.perf_counter() - started
        return StageResult(stage.name, step, completed, seconds, trained_samples / max(seconds, 1e-9), validation)

    def _finish(self, loss_fn: InfoNCELoss) -> None:
        """A learned image-text temperature becomes the text encoder's logit scale (as in CLIP)."""
        scale = _text_logit_scale(self.model) if "text" in self.trained_modalities else None
        if self.stage.learnable_temperature and scale is not None:
            with torch.no_grad():
                scale.copy_(loss_fn.log_logit_scale.detach().clamp(max=math.log(loss_fn.max_logit_scale)))

    # -- validation --------------------------------------------------------------------------

    @torch.no_grad()
    def embed_validation(self, table: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        """Validation embeddings of both kinds of the pair, in eval mode."""
        was_training = self.model.training
        self.model.eval()
        outputs: dict[str, list[torch.Tensor]] = {kind: [] for kind in self.stage.pair if kind not in table}
        try:
            batches = sequential_batches(len(self.val_set), self.options.eval_batch_size)
            loader = item_loader(self.val_set, batches, self.options.num_workers) if outputs else []
            for batch in loader:
                with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.options.bf16):
                    for kind in outputs:
                        outputs[kind].append(self._embed(batch, kind, {}).float().cpu())
        finally:
            self.model.train(was_training)
        return [table[kind] if kind in table else torch.cat(outputs[kind]) for kind in self.stage.pair]

    def validate(self, table: dict[str, torch.Tensor], loss_fn: InfoNCELoss) -> dict[str, float]:
        """Validation loss (mean over consecutive full batches) and retrieval R@1 both ways."""
        a, b = self.embed_validation(table)
        size = self.stage.batch_size
        chunks = [(a[i : i + size], b[i : i + size]) for i in range(0, len(a) - size + 1, size)] or [(a, b)]
        with torch.no_grad():
            scale = loss_fn.logit_scale.detach().cpu()
            loss = sum(float(symmetric_info_nce(x, y, scale)) for x, y in chunks) / len(chunks)
        first, second = self.stage.pair
        return {
            "loss": loss,
            f"{second}_to_{first}_R@1": retrieval_recall(b, a, ks=(1,))["R@1"],
            f"{first}_to_{second}_R@1": retrieval_recall(a, b, ks=(1,))["R@1"],
        }
