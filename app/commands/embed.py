"""`bindspace embed`: embed files with the configured model and print JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import numpy as np

from bindspace.app.commands.inputs import kinds_of, local_engine
from bindspace.engine.engine import Engine, EngineNotReadyError, UnsupportedKindError
from bindspace.engine.model_source import ModelNotFoundError
from bindspace.models.errors import InputError
from bindspace.models.kinds import kind_names


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `embed` command."""
    parser = subparsers.add_parser(
        "embed", help="embed files and print one JSON object per line",
        description="Print {\"file\", \"modality\", \"embedding\"} per file. Text files are embedded whole.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--modality", choices=kind_names(),
                        help="input kind of every file (default: guessed from each extension)")
    parser.add_argument("--raw", action="store_true",
                        help="print the model's raw scaled vectors instead of unit-length ones")
    parser.set_defaults(handler=run)


async def _embed_by_kind(engine: Engine, paths: list[Path], kinds: list[str], raw: bool) -> list[np.ndarray]:
    vectors: dict[int, np.ndarray] = {}
    for kind in dict.fromkeys(kinds):
        positions = [i for i, k in enumerate(kinds) if k == kind]
        embedded = await engine.embed(kind, [paths[i] for i in positions])
        vectors.update(zip(positions, embedded.raw if raw else embedded.unit(), strict=True))
    return [vectors[i] for i in range(len(paths))]


def run(args: argparse.Namespace) -> int:
    """Embed the files grouped by kind and print them in the order given; exit 2 on bad input."""
    try:
        kinds = kinds_of(args.files, args.modality)
        with local_engine() as engine:
            vectors = asyncio.run(_embed_by_kind(engine, args.files, kinds, args.raw))
    except (InputError, ModelNotFoundError, EngineNotReadyError, UnsupportedKindError) as exc:
        print(f"bindspace embed: {exc}", file=sys.stderr)
        return 2
    for path, kind, vector in zip(args.files, kinds, vectors, strict=True):
        print(json.dumps({"file": str(path), "modality": kind, "embedding": vector.tolist()}))
    return 0
