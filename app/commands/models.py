"""`bindspace pull`, `bindspace models` and `bindspace convert`: the model store from the command line."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bindspace.engine.settings import settings_from_env
from bindspace.models.checkpoint import CheckpointError
from bindspace.models.config import PRESETS
from bindspace.models.openclip import UnsupportedOpenClipModel, unsupported_reason
from bindspace.models.store import (
    BUNDLED_MODEL_DIR,
    DownloadError,
    ModelStore,
    PullError,
    RegistryError,
    convert_checkpoint,
    load_registry,
    pull,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `pull`, `models` and `convert` commands."""
    registry_help = "registry file to read instead of the bundled one (same JSON layout)"
    parser = subparsers.add_parser(
        "pull", help="download, verify and install a model by name",
        description="Download a model of the registry (`bindspace models`), verify its sha256, convert it and "
        "install it in the model store (BINDSPACE_MODEL_DIR); then `BINDSPACE_MODEL=NAME bindspace serve` "
        "serves it. An interrupted download resumes when the command runs again.",
    )
    parser.add_argument("name", metavar="NAME", help="a registry name, or openclip:ARCHITECTURE:TAG")
    parser.add_argument("--accept-licence", action="store_true",
                        help="accept the model's licence where it requires acceptance (ImageBind: CC BY-NC-SA 4.0)")
    parser.add_argument("--trust-unverified", action="store_true",
                        help="install a download for which the registry records no sha256 (the sha256 is printed)")
    parser.add_argument("--force", action="store_true", help="download and install again if already installed")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help="network timeout for connecting and for each read (default: 30)")
    parser.add_argument("--registry", type=Path, help=registry_help)
    parser.set_defaults(handler=run_pull)

    parser = subparsers.add_parser(
        "models", help="list the models the registry knows and those installed",
        description="List the registry's models, whether each is installed, and models installed in the "
        "model store by `bindspace convert`.",
    )
    parser.add_argument("--registry", type=Path, help=registry_help)
    parser.add_argument("--openclip", action="store_true",
                        help="instead, list every open_clip architecture and whether it converts (or why not)")
    parser.set_defaults(handler=run_models)

    parser = subparsers.add_parser(
        "convert", help="convert a local ImageBind or OpenCLIP checkpoint into a model",
        description="Convert a checkpoint file: ImageBind (.pth/.safetensors, with --config) by default, or "
        "OpenCLIP (.pt/.bin/.safetensors) with --openclip ARCHITECTURE. The model is installed in the model "
        "store under --name (default: the file's stem), or written to --output.",
    )
    parser.add_argument("checkpoint", type=Path, metavar="CHECKPOINT")
    parser.add_argument("--openclip", metavar="ARCHITECTURE",
                        help="the checkpoint is OpenCLIP's, of this open_clip architecture (e.g. ViT-B-32; "
                        "OpenAI weights need the -quickgelu architecture)")
    parser.add_argument("--config", default="huge", choices=sorted(PRESETS),
                        help="ImageBind config preset of the checkpoint (default: huge)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--name", help="install in the model store under this name")
    target.add_argument("--output", type=Path, help="write the model directory here instead")
    parser.add_argument("--force", action="store_true", help="replace a model already installed under the name")
    parser.set_defaults(handler=run_convert)


def _store() -> ModelStore:
    return ModelStore(settings_from_env().model_dir)


def run_pull(args: argparse.Namespace) -> int:
    """Pull one model; exit 2 with the reason when it cannot be pulled."""
    store = _store()
    try:
        entry = load_registry(args.registry).get(args.name)
        if entry.licence_requires_accept and args.accept_licence:
            print(f"{entry.name}: licence {entry.licence} accepted"
                  + (f" ({entry.licence_url})" if entry.licence_url else ""), file=sys.stderr)
        path = pull(entry, store, accept_licence=args.accept_licence, trust_unverified=args.trust_unverified,
                    force=args.force, timeout_s=args.timeout, progress=sys.stderr.isatty())
    except (RegistryError, PullError, DownloadError, CheckpointError, UnsupportedOpenClipModel) as error:
        print(f"bindspace pull: {error}", file=sys.stderr)
        return 2
    source = store.source(entry.store_name) if path != BUNDLED_MODEL_DIR else {}
    if source.get("sha256"):
        state = "verified" if source.get("verified") else "NOT verified (the registry records none)"
        print(f"sha256 {source['sha256']} {state}", file=sys.stderr)
    print(path)
    print(f"serve it with: BINDSPACE_MODEL={entry.name} bindspace serve", file=sys.stderr)
    return 0


def run_models(args: argparse.Namespace) -> int:
    """Print one line per known or installed model (or per open_clip architecture with --openclip)."""
    if args.openclip:
        return _list_openclip_architectures()
    store = _store()
    try:
        registry = load_registry(args.registry)
    except RegistryError as error:
        print(f"bindspace models: {error}", file=sys.stderr)
        return 2
    rows = [("NAME", "INSTALLED", "LICENCE", "DESCRIPTION")]
    installed = set(store.installed())
    for entry in registry:
        if entry.kind == "bundled":
            here = "bundled" if BUNDLED_MODEL_DIR.is_dir() else "missing"
        else:
            here = "yes" if entry.store_name in installed else "no"
        installed.discard(entry.store_name)
        rows.append((entry.name, here, entry.licence, entry.description))
    for name in sorted(installed):
        origin = store.source(name).get("converted_from", "installed in the model store")
        rows.append((name.replace("--", ":") if name.startswith("openclip--") else name, "yes", "?", origin))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    print(f"\nmodel store: {store.root}; any OpenCLIP tag: openclip:ARCHITECTURE:TAG "
          "(`bindspace models --openclip` lists the architectures and their tags)", file=sys.stderr)
    return 0


def _list_openclip_architectures() -> int:
    import open_clip

    for architecture in open_clip.list_models():
        reason = unsupported_reason(architecture)
        tags = ", ".join(open_clip.list_pretrained_tags_by_model(architecture)) or "-"
        print(f"{architecture}\t{'converts' if reason is None else 'no: ' + reason}\t{tags}")
    return 0


def run_convert(args: argparse.Namespace) -> int:
    """Convert one local checkpoint; exit 2 with the reason when it does not convert."""
    if args.openclip:
        converter = {"format": "openclip", "architecture": args.openclip}
    else:
        converter = {"format": "imagebind", "config": args.config}
    name = args.name or args.checkpoint.stem
    store = _store()
    try:
        if args.output is not None:
            path = convert_checkpoint(converter, args.checkpoint, args.output, name=name)
        else:
            store.path(name)  # a name that cannot be a directory of the store raises here
            if store.find(name) is not None and not args.force:
                print(f"bindspace convert: a model called {name} is already installed in {store.root}; "
                      "pass --force to replace it", file=sys.stderr)
                return 2
            staging = store.staging_dir(name)
            try:
                convert_checkpoint(converter, args.checkpoint, staging, name=name)
                path = store.install(staging, name, {"name": name, "converted_from": str(args.checkpoint.resolve()),
                                                     "converter": converter})
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except (FileNotFoundError, ValueError, CheckpointError, RuntimeError) as error:
        print(f"bindspace convert: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0
