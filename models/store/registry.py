"""The registry of models `bindspace pull` knows, kept as data (registry.json next to this module).

Each entry names a model, its licence and where its weights come from:

- `bundled`: the default model shipped inside the models package (nothing to download);
- `url`: a checkpoint file at one or more mirror URLs, with its sha256 and size, and a converter
  (`imagebind` with a config preset, or `openclip` with an architecture) into a model directory;
- `openclip`: an OpenCLIP architecture and pretrained tag, downloaded by open_clip itself.

Besides the listed names, `openclip:ARCHITECTURE:TAG` names any pretrained tag open_clip knows.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REGISTRY_FILE = Path(__file__).with_name("registry.json")
OPENCLIP_PREFIX = "openclip:"
SOURCE_KINDS = ("bundled", "url", "openclip")
CONVERTER_FORMATS = ("imagebind", "openclip")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")


class RegistryError(ValueError):
    """A registry file or entry that is malformed, or a name the registry does not know."""


@dataclass(frozen=True)
class ModelEntry:
    """One model the registry knows: where its weights come from and how they become a model directory."""

    name: str
    description: str
    licence: str
    source: dict[str, Any]
    converter: dict[str, Any] = field(default_factory=dict)
    licence_url: str | None = None
    licence_requires_accept: bool = False

    @property
    def kind(self) -> str:
        """`bundled`, `url` or `openclip`."""
        return self.source["kind"]

    @property
    def urls(self) -> list[str]:
        """The download URLs of a `url` entry (mirrors, tried in order); empty for other kinds."""
        return list(self.source.get("urls", []))

    @property
    def sha256(self) -> str | None:
        """The expected sha256 of a `url` entry's file, or None when the registry records none."""
        return self.source.get("sha256")

    @property
    def size(self) -> int | None:
        """The expected size in bytes of a `url` entry's file, or None when unknown."""
        return self.source.get("size")

    @property
    def store_name(self) -> str:
        """The entry's directory name in the model store (`:` is not portable in file names)."""
        return self.name.replace(":", "--")


class Registry:
    """The entries of one registry file, looked up by name."""

    def __init__(self, entries: list[ModelEntry], path: Path) -> None:
        self.path = path
        self.entries = {entry.name: entry for entry in entries}

    def get(self, name: str) -> ModelEntry:
        """The entry called `name`, or an `openclip:ARCH:TAG` entry; RegistryError for unknown names."""
        if name in self.entries:
            return self.entries[name]
        if name.startswith(OPENCLIP_PREFIX):
            return openclip_entry(name)
        raise RegistryError(
            f"unknown model {name!r}; known models are {', '.join(sorted(self.entries))}, "
            f"or {OPENCLIP_PREFIX}ARCHITECTURE:TAG for any OpenCLIP pretrained tag (`bindspace models --openclip`)"
        )

    def __iter__(self):
        return iter(self.entries.values())


def load_registry(path: str | os.PathLike | None = None) -> Registry:
    """The registry in `path` (default: the bundled registry.json), every entry checked."""
    path = Path(path) if path is not None else REGISTRY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RegistryError(f"cannot read model registry {path}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise RegistryError(f"model registry {path} must be a JSON object with a 'models' list")
    entries = [parse_entry(item, f"{path} entry {index}") for index, item in enumerate(data["models"])]
    names = [entry.name for entry in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise RegistryError(f"model registry {path} lists {duplicates} more than once")
    return Registry(entries, path)


def parse_entry(item: Any, where: str) -> ModelEntry:
    """A checked `ModelEntry` from one registry item; RegistryError naming `where` otherwise."""
    if not isinstance(item, dict):
        raise RegistryError(f"{where}: expected an object")
    known = {"name", "description", "licence", "licence_url", "licence_requires_accept", "source", "converter"}
    unknown = sorted(set(item) - known)
    if unknown:
        raise RegistryError(f"{where}: unknown keys {unknown}")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RegistryError(f"{where}: name must be letters, digits, '.', '_', ':' or '-', got {name!r}")
    where = f"{where} ({name})"
    for key in ("description", "licence"):
        if not isinstance(item.get(key), str):
            raise RegistryError(f"{where}: {key} must be a string")
    source, converter = item.get("source"), item.get("converter", {})
    if not isinstance(source, dict) or source.get("kind") not in SOURCE_KINDS:
        raise RegistryError(f"{where}: source must be an object whose kind is one of {SOURCE_KINDS}")
    if source["kind"] == "url":
        _check_url_source(source, converter, where)
    elif source["kind"] == "openclip":
        if not all(isinstance(source.get(key), str) for key in ("architecture", "pretrained")):
            raise RegistryError(f"{where}: an openclip source needs architecture and pretrained strings")
    return ModelEntry(
        name=name,
        description=item["description"],
        licence=item["licence"],
        source=source,
        converter=converter,
        licence_url=item.get("licence_url"),
        licence_requires_accept=bool(item.get("licence_requires_accept", False)),
    )


def _check_url_source(source: dict[str, Any], converter: Any, where: str) -> None:
    urls = source.get("urls")
    if not isinstance(urls, list) or not urls or not all(
        isinstance(url, str) and url.startswith(("http://", "https://")) for url in urls
    ):
        raise RegistryError(f"{where}: urls must be a non-empty list of http(s) URLs")
    filename = source.get("filename")
    if not isinstance(filename, str) or not filename or "/" in filename or filename.startswith("."):
        raise RegistryError(f"{where}: filename must be a plain file name")
    sha256 = source.get("sha256")
    if sha256 is not None and not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
        raise RegistryError(f"{where}: sha256 must be 64 lowercase hex digits or null")
    size = source.get("size")
    if size is not None and not (isinstance(size, int) and not isinstance(size, bool) and size > 0):
        raise RegistryError(f"{where}: size must be a positive integer or null")
    if not isinstance(converter, dict) or converter.get("format") not in CONVERTER_FORMATS:
        raise RegistryError(f"{where}: a url source needs a converter whose format is one of {CONVERTER_FORMATS}")
    if converter["format"] == "openclip" and not isinstance(converter.get("architecture"), str):
        raise RegistryError(f"{where}: an openclip converter needs an architecture")
    if converter["format"] == "imagebind" and not isinstance(converter.get("config", "huge"), (str, dict)):
        raise RegistryError(f"{where}: an imagebind converter's config must be a preset name or a config object")


def openclip_entry(name: str) -> ModelEntry:
    """The entry of `openclip:ARCHITECTURE:TAG`, checked against open_clip's list of pretrained tags."""
    import open_clip

    architecture, _, tag = name[len(OPENCLIP_PREFIX):].partition(":")
    if not architecture or not tag:
        raise RegistryError(f"{name!r}: write OpenCLIP models as {OPENCLIP_PREFIX}ARCHITECTURE:TAG")
    if not open_clip.get_pretrained_cfg(architecture, tag):
        tags = open_clip.list_pretrained_tags_by_model(architecture)
        known = f"its tags are {', '.join(tags)}" if tags else "open_clip has no pretrained tags for it"
        raise RegistryError(f"{name!r}: open_clip knows no pretrained tag {tag!r} for {architecture!r}; {known}")
    return ModelEntry(
        name=name,
        description=f"OpenCLIP {architecture} pretrained as {tag} (image and text only)",
        licence="see the OpenCLIP model card of this tag",
        source={"kind": "openclip", "architecture": architecture, "pretrained": tag},
    )
