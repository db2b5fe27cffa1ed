"""`pull`: a registry entry's weights downloaded, verified, converted and installed in the model store."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from ..factory import save_model
from ..openclip import create_open_clip, from_open_clip
from .convert import convert_checkpoint
from .download import download_file
from .model_store import BUNDLED_MODEL_DIR, ModelStore
from .registry import ModelEntry


class PullError(RuntimeError):
    """A pull that cannot go ahead or did not succeed; the message says why and what to do."""


def pull(
    entry: ModelEntry,
    store: ModelStore,
    *,
    accept_licence: bool = False,
    trust_unverified: bool = False,
    force: bool = False,
    timeout_s: float = 30.0,
    progress: bool = True,
) -> Path:
    """Install `entry` in `store` (unless it is there already and not `force`) and return its directory.

    A licence that requires acceptance needs `accept_licence`; a URL entry without a recorded sha256
    needs `trust_unverified`. Downloads resume where an earlier pull stopped. Nothing is installed
    unless the download verified and the conversion finished.
    """
    if entry.kind == "bundled":
        if not BUNDLED_MODEL_DIR.is_dir():
            raise PullError(f"the bundled model is missing ({BUNDLED_MODEL_DIR}); create it with `bindspace train-default`")
        return BUNDLED_MODEL_DIR
    if entry.licence_requires_accept and not accept_licence:
        raise PullError(
            f"{entry.name} is licensed under {entry.licence}"
            + (f" ({entry.licence_url})" if entry.licence_url else "")
            + ", which restricts how you may use it; read the licence, then pull again with --accept-licence"
        )
    installed = store.find(entry.store_name)
    if installed is not None and not force:
        return installed
    if entry.kind == "url" and entry.sha256 is None and not trust_unverified:
        raise PullError(
            f"the registry records no sha256 for {entry.urls[0]}, so the download cannot be verified; "
            "pull again with --trust-unverified to install it anyway (the sha256 it had is printed and recorded)"
        )
    staging = store.staging_dir(entry.store_name)
    try:
        if entry.kind == "url":
            provenance = _pull_url(entry, store, staging, timeout_s=timeout_s, progress=progress)
        else:
            provenance = _pull_openclip(entry, store, staging)
        provenance.update(
            name=entry.name, licence=entry.licence, pulled_at=datetime.now(timezone.utc).isoformat(timespec="seconds")
        )
        target = store.install(staging, entry.store_name, provenance)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(store.download_dir(entry.store_name), ignore_errors=True)
    return target


def _pull_url(entry: ModelEntry, store: ModelStore, staging: Path, *, timeout_s: float, progress: bool) -> dict:
    checkpoint = store.download_dir(entry.store_name) / entry.source["filename"]
    sha256 = download_file(
        entry.urls, checkpoint, sha256=entry.sha256, size=entry.size, timeout_s=timeout_s, progress=progress,
    )
    convert_checkpoint(entry.converter, checkpoint, staging, name=entry.name, description=entry.description)
    return {"urls": entry.urls, "sha256": sha256, "verified": entry.sha256 is not None}


def _pull_openclip(entry: ModelEntry, store: ModelStore, staging: Path) -> dict:
    import open_clip

    architecture, tag = entry.source["architecture"], entry.source["pretrained"]
    cfg = open_clip.get_pretrained_cfg(architecture, tag)
    where = f"https://huggingface.co/{cfg['hf_hub'].rstrip('/')}" if cfg.get("hf_hub") else cfg.get("url", "?")
    try:
        clip = create_open_clip(
            architecture, tag, cache_dir=str(store.download_dir(entry.store_name)),
        )
    except RuntimeError as error:
        raise PullError(f"cannot download OpenCLIP {architecture} ({tag}) from {where}: {error}") from error
    save_model(from_open_clip(clip), staging, name=entry.name, description=entry.description)
    return {"openclip": {"architecture": architecture, "pretrained": tag}, "urls": [where],
            "verified": "by open_clip (Hugging Face hub checksums, or the sha256 in OpenAI's URL)"}
