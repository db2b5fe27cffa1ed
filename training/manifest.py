"""Paired-data manifests: JSON lines naming one item per input kind, e.g. {"image": "a.jpg", "audio": "a.wav"}.

Media values are file paths, relative to the manifest's folder unless absolute; a `text` value is the
text itself. Other keys (`id`, `concept`, `split`, ...) are kept as metadata.
"""

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bindspace.models.kinds import kind_names

TEXT_KIND = "text"


def media_kinds() -> tuple[str, ...]:
    """Every registered kind whose manifest value is a file path (all but text)."""
    return tuple(kind for kind in kind_names() if kind != TEXT_KIND)


class ManifestError(ValueError):
    """A manifest that cannot be used: unreadable, malformed, or naming files that are not there."""


@dataclass(frozen=True)
class ManifestRecord:
    """One line of a manifest: `inputs` maps input kind -> absolute path (media) or the text itself."""

    line: int
    inputs: dict[str, str]
    metadata: dict[str, Any] = field(default_factory=dict)


def _record(raw: Any, where: str, root: Path, kinds: Sequence[str], check_files: bool, line: int) -> ManifestRecord:
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    missing = [kind for kind in kinds if kind not in raw]
    if missing:
        raise ManifestError(f"{where}: missing key(s) {', '.join(missing)} (has {', '.join(sorted(raw)) or 'none'})")
    inputs: dict[str, str] = {}
    for kind in kinds:
        value = raw[kind]
        if not isinstance(value, str) or not value:
            raise ManifestError(f"{where}: {kind!r} must be a non-empty string, got {value!r}")
        if kind == TEXT_KIND:
            inputs[kind] = value
            continue
        path = Path(value) if os.path.isabs(value) else root / value
        if check_files and not path.is_file():
            raise ManifestError(f"{where}: {kind} file not found: {path}")
        inputs[kind] = str(path)
    metadata = {key: value for key, value in raw.items() if key not in inputs}
    return ManifestRecord(line=line, inputs=inputs, metadata=metadata)


def read_manifest(
    path: str | os.PathLike,
    kinds: Sequence[str],
    *,
    split: str | None = None,
    check_files: bool = True,
) -> list[ManifestRecord]:
    """Read the records of a JSON-lines manifest that have every kind in `kinds`.

    `split`, when given, keeps only records whose `"split"` equals it. Blank lines are skipped. Raises
    `ManifestError` naming the file and line for unreadable files, malformed JSON, missing keys,
    unknown kinds, files that do not exist (unless `check_files=False`), or no records at all.
    """
    path = Path(path)
    unknown = [kind for kind in kinds if kind not in kind_names()]
    if unknown:
        raise ManifestError(f"unknown input kind(s) {', '.join(unknown)}; known: {', '.join(kind_names())}")
    if not kinds:
        raise ManifestError("no input kinds requested")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"manifest not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"cannot read manifest {path}: {error}") from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise ManifestError(f"{where}: invalid JSON ({error.msg})") from None
        if split is not None and isinstance(raw, dict) and raw.get("split") != split:
            continue
        records.append(_record(raw, where, path.parent, kinds, check_files, number))
    if not records:
        selection = f" with split {split!r}" if split is not None else ""
        raise ManifestError(f"{path}: no records{selection}")
    return records


def manifest_kinds(path: str | os.PathLike) -> list[str]:
    """The input kinds that the first record of a manifest carries, media kinds in the registry's order, then text."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), None)
    except FileNotFoundError:
        raise ManifestError(f"manifest not found: {path}") from None
    if first is None:
        raise ManifestError(f"{path}: no records")
    try:
        raw = json.loads(first)
    except json.JSONDecodeError as error:
        raise ManifestError(f"{path}: invalid JSON on the first record ({error.msg})") from None
    if not isinstance(raw, dict):
        raise ManifestError(f"{path}: expected JSON objects, got {type(raw).__name__}")
    return [kind for kind in (*media_kinds(), TEXT_KIND) if kind in raw]
