"""Contrastive training and evaluation of bindspace models (see docs/training.md).

An image-text anchor is trained with symmetric InfoNCE and a learnable temperature; each other
modality is then bound to the frozen image encoder on (image, X) pairs at a fixed temperature.
"""

from bindspace.training.evaluate import evaluate_model, read_class_prompts, report_markdown
from bindspace.training.loss import InfoNCELoss, symmetric_info_nce
from bindspace.training.manifest import ManifestError, ManifestRecord, read_manifest
from bindspace.training.recipes import DEFAULT_RECIPE, Recipe
from bindspace.training.schedule import WarmupCosine, warmup_cosine_scheduler
from bindspace.training.stage import BINDING_TEMPERATURES, StageConfig, binding_stage
from bindspace.training.trainer import StageResult, StageTrainer, TrainOptions

__all__ = [
    "BINDING_TEMPERATURES",
    "DEFAULT_RECIPE",
    "InfoNCELoss",
    "ManifestError",
    "ManifestRecord",
    "Recipe",
    "StageConfig",
    "StageResult",
    "StageTrainer",
    "TrainOptions",
    "WarmupCosine",
    "binding_stage",
    "evaluate_model",
    "read_class_prompts",
    "read_manifest",
    "report_markdown",
    "symmetric_info_nce",
    "warmup_cosine_scheduler",
]
