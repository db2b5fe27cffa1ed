"""Where the served model comes from: BINDSPACE_MODEL (a model directory, or the name of a model in the
model store), or the default model bundled in the models package."""

from __future__ import annotations

from pathlib import Path

from bindspace.models.store import BUNDLED_MODEL_DIR, ModelStore

DEFAULT_MODEL_DIR = BUNDLED_MODEL_DIR


class ModelNotFoundError(RuntimeError):
    """No model directory where the settings point; the message says how to get one."""


def resolve_model_dir(configured: Path | None, store_dir: Path | None = None) -> Path:
    """The model directory to load, checked to exist; ModelNotFoundError with instructions otherwise.

    `configured` is a directory, or a bare name looked up in the model store at `store_dir`
    (default: BINDSPACE_MODEL_DIR or the user's cache directory); `default` names the bundled model.
    """
    path = Path(configured) if configured is not None else DEFAULT_MODEL_DIR
    if path.is_dir() and any(path.iterdir()):
        return path
    if configured is None:
        raise ModelNotFoundError(
            f"The bundled default model is missing ({path}). Create it with `bindspace train-default`, "
            "or point BINDSPACE_MODEL at a model directory written by models.save_model."
        )
    name = str(configured)
    if len(path.parts) == 1:
        if name == "default":
            return resolve_model_dir(None)
        store = ModelStore(store_dir)
        found = store.find(name.replace(":", "--"))
        if found is not None:
            return found
        raise ModelNotFoundError(
            f"BINDSPACE_MODEL={name} is neither a model directory nor a model installed in the model store "
            f"({store.root}); install it with `bindspace pull {name}` (`bindspace models` lists what is known)."
        )
    raise ModelNotFoundError(
        f"BINDSPACE_MODEL={path} is not a model directory. Point it at a directory written by "
        "models.save_model, name a model installed with `bindspace pull`, or unset it to use the bundled "
        "default model (`bindspace train-default`)."
    )
