"""Where the served model comes from: BINDSPACE_MODEL, or the default model bundled in the models package."""

from __future__ import annotations

from pathlib import Path

from bindspace import models

DEFAULT_MODEL_DIR = Path(models.__file__).resolve().parent / "weights" / "default"


class ModelNotFoundError(RuntimeError):
    """No model directory where the settings point; the message says how to get one."""


def resolve_model_dir(configured: Path | None) -> Path:
    """The model directory to load, checked to exist; ModelNotFoundError with instructions otherwise."""
    path = Path(configured) if configured is not None else DEFAULT_MODEL_DIR
    if path.is_dir() and any(path.iterdir()):
        return path
    if configured is None:
        raise ModelNotFoundError(
            f"The bundled default model is missing ({path}). Create it with `bindspace train-default`, "
            "or point BINDSPACE_MODEL at a model directory written by models.save_model."
        )
    raise ModelNotFoundError(
        f"BINDSPACE_MODEL={path} is not a model directory. Point it at a directory written by "
        "models.save_model, or unset it to use the bundled default model (`bindspace train-default`)."
    )
