"""What the commands that embed files share: the kind of each file, and an engine for this process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bindspace.engine.engine import Engine
from bindspace.engine.settings import settings_from_env
from bindspace.models.errors import InputError
from bindspace.models.kinds import kind_for_path


def kinds_of(paths: Sequence[Path], given: str | None) -> list[str]:
    """`given` for every file, else the kind each extension names; InputError for an extension naming none."""
    if given is not None:
        return [given] * len(paths)
    kinds = []
    for path in paths:
        kind = kind_for_path(path)
        if kind is None:
            raise InputError(f"{path}: cannot tell the input kind from the extension {path.suffix!r}; "
                             "pass --modality")
        kinds.append(kind)
    return kinds


def local_engine() -> Engine:
    """An engine for the configured model, run in this process (a command has no event loop to share)."""
    return Engine(settings_from_env().model_copy(update={"inference_process": False}))
