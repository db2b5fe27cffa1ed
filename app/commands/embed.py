"""`bindspace embed`: embed files with the configured model and print JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bindspace.app.embedding import normalize_rows
from bindspace.app.file_embedding import FileEmbedder, guess_kind
from bindspace.app.model_source import ModelNotFoundError
from bindspace.app.settings import get_settings
from bindspace.models.errors import InputError
from bindspace.models.preprocess import INPUT_KINDS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `embed` command."""
    parser = subparsers.add_parser(
        "embed", help="embed files and print one JSON object per line",
        description="Print {\"file\", \"modality\", \"embedding\"} per file. Text files are embedded whole.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--modality", choices=INPUT_KINDS,
                        help="input kind of every file (default: guessed from each extension)")
    parser.add_argument("--raw", action="store_true",
                        help="print the model's raw scaled vectors instead of unit-length ones")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Embed the files grouped by kind and print them in the order given; exit 2 on bad input."""
    try:
        kinds = [args.modality or guess_kind(path) for path in args.files]
        embedder = FileEmbedder(get_settings())
        vectors = {}
        for kind in dict.fromkeys(kinds):
            paths = [path for path, k in zip(args.files, kinds, strict=True) if k == kind]
            vectors.update(((kind, path), vector) for path, vector in embedder.embed_files(kind, paths))
    except (InputError, ModelNotFoundError) as exc:
        print(f"bindspace embed: {exc}", file=sys.stderr)
        return 2
    for path, kind in zip(args.files, kinds, strict=True):
        vector = vectors[(kind, path)]
        if not args.raw:
            vector = normalize_rows(vector[None])[0]
        print(json.dumps({"file": str(path), "modality": kind, "embedding": vector.tolist()}))
    return 0
