"""What a bulk import reads: files under directories (recursive, kind by extension), single files, and
JSON-lines manifests, as `Entry`s; anything unusable becomes a `Failure` instead of stopping the import.

A manifest line is a JSON object: `{"path": "photos/a.jpg"}` or `{"text": "a dog", "id": "t1"}`, with
optional `"id"` (default: the path as written), `"modality"` (default: by extension) and `"metadata"`
(an object, merged over `{"path": ...}`). Relative paths are relative to the manifest's directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bindspace.models.kinds import kind_for_path, kind_names


@dataclass(frozen=True)
class Entry:
    """One item to import: a file or a text, with its id, input kind and metadata."""

    id: str
    kind: str
    path: str | None = None
    text: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """What the failure report names: the file, or the id of a text."""
        return self.path if self.path is not None else f"text {self.id!r}"


@dataclass(frozen=True)
class Failure:
    """An input that was not stored, and why."""

    source: str
    reason: str

    def to_json(self) -> str:
        return json.dumps({"file": self.source, "reason": self.reason}, ensure_ascii=False)


@dataclass
class Collected:
    """The entries to import, the inputs refused already, and files skipped for an unknown extension."""

    entries: list[Entry] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _kind_of(path: Path, modality: str | None) -> str | None:
    return modality or kind_for_path(path)


def _file_entry(path: Path, item_id: str, modality: str | None, metadata: dict, collected: Collected) -> None:
    kind = _kind_of(path, modality)
    if kind is None:
        collected.failures.append(Failure(str(path), f"cannot tell the input kind from the extension "
                                                     f"{path.suffix!r}; give a modality"))
        return
    collected.entries.append(Entry(item_id, kind, path=str(path), metadata={"path": str(path), **metadata}))


def _walk(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(directory).parts):
            yield path


def _manifest(path: Path, modality: str | None, collected: Collected) -> None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        collected.failures.append(Failure(str(path), f"manifest unreadable: {exc}"))
        return
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            collected.failures.append(Failure(where, f"not JSON: {exc}"))
            continue
        problem = _manifest_problem(row)
        if problem:
            collected.failures.append(Failure(where, problem))
            continue
        kind = row.get("modality") or modality
        metadata = row.get("metadata", {})
        if "text" in row:
            collected.entries.append(Entry(row["id"], "text", text=row["text"], metadata=metadata))
            continue
        file_path = Path(row["path"])
        if not file_path.is_absolute():
            file_path = path.parent / file_path
        _file_entry(file_path, row.get("id", row["path"]), kind, metadata, collected)


def _manifest_problem(row: Any) -> str | None:
    if not isinstance(row, dict):
        return "a manifest line must be a JSON object"
    if ("path" in row) == ("text" in row):
        return "give exactly one of \"path\" and \"text\""
    if "text" in row and not isinstance(row.get("id"), str):
        return "a text line needs a string \"id\""
    for key in ("path", "text", "id"):
        if key in row and (not isinstance(row[key], str) or not row[key]):
            return f"\"{key}\" must be a non-empty string"
    if "modality" in row and row["modality"] not in kind_names():
        return f"\"modality\" must be one of {', '.join(kind_names())}"
    if "text" in row and row.get("modality", "text") != "text":
        return "a text line has modality text"
    if not isinstance(row.get("metadata", {}), dict):
        return "\"metadata\" must be an object"
    return None


def collect(paths: Sequence[Path], manifests: Sequence[Path], modality: str | None = None) -> Collected:
    """Entries of the given files, directories (walked recursively; hidden files and files of unknown
    extension are skipped) and manifests, in that order; a repeated id keeps its first entry."""
    collected = Collected()
    for path in paths:
        if path.is_dir():
            for file in _walk(path):
                if _kind_of(file, modality) is None:
                    collected.skipped.append(str(file))
                else:
                    _file_entry(file, str(file), modality, {}, collected)
        elif path.is_file():
            _file_entry(path, str(path), modality, {}, collected)
        else:
            collected.failures.append(Failure(str(path), "no such file or directory"))
    for manifest in manifests:
        _manifest(manifest, modality, collected)
    unique: dict[str, Entry] = {}
    for entry in collected.entries:
        unique.setdefault(entry.id, entry)
    collected.entries = list(unique.values())
    return collected
