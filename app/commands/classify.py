"""`bindspace classify`: zero-shot labels for files, with the configured model, through the engine."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bindspace.app.commands.inputs import kinds_of, local_engine
from bindspace.engine.classification import LabelScore, template_problem
from bindspace.engine.engine import Engine, EngineNotReadyError, UnsupportedKindError
from bindspace.engine.model_source import ModelNotFoundError
from bindspace.models.errors import InputError
from bindspace.models.kinds import kind_names


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `classify` command."""
    parser = subparsers.add_parser(
        "classify", help="rank candidate labels for each file (zero-shot)",
        description="Score every file against the labels: cosine with each label's prompt-ensembled text "
        "embedding, softmax(100 x cosine). Prints a ranked table per file, or JSON lines with --json.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--labels", nargs="+", required=True, metavar="LABEL",
                        help="candidate labels (several arguments, or one comma-separated argument)")
    parser.add_argument("--template", action="append", dest="templates", metavar="TEMPLATE",
                        help="hypothesis template with '{}' for the label; repeat to ensemble "
                        "(default: the kind's own, e.g. 'a photo of {}.')")
    parser.add_argument("--modality", choices=kind_names(),
                        help="input kind of every file (default: guessed from each extension)")
    parser.add_argument("--top", type=int, default=None, metavar="N", help="print only the N best labels")
    parser.add_argument("--json", action="store_true", help="print one JSON object per file")
    parser.set_defaults(handler=run)


def _labels(values: list[str]) -> list[str]:
    labels = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if len(set(labels)) != len(labels):
        raise InputError("--labels has duplicates")
    if not labels:
        raise InputError("--labels is empty")
    return labels


async def _classify_all(engine: Engine, paths: list[Path], kinds: list[str], labels: list[str],
                        templates: list[str] | None) -> list[list[LabelScore]]:
    return [await engine.classify(kind, path, labels, templates) for path, kind in zip(paths, kinds, strict=True)]


def run(args: argparse.Namespace) -> int:
    """Classify each file and print its ranked labels; exit 2 on bad input."""
    try:
        labels = _labels(args.labels)
        if args.templates is not None and (problem := template_problem(args.templates)) is not None:
            raise InputError(f"--template{problem}")
        kinds = kinds_of(args.files, args.modality)
        with local_engine() as engine:
            results = asyncio.run(_classify_all(engine, args.files, kinds, labels, args.templates))
    except (InputError, ModelNotFoundError, EngineNotReadyError, UnsupportedKindError) as exc:
        print(f"bindspace classify: {exc}", file=sys.stderr)
        return 2
    for path, kind, ranked in zip(args.files, kinds, results, strict=True):
        ranked = ranked[:args.top] if args.top else ranked
        if args.json:
            print(json.dumps({"file": str(path), "modality": kind, "results": [
                {"label": r.label, "score": r.score, "cosine": r.cosine} for r in ranked]}))
            continue
        print(f"{path} ({kind})")
        width = max(len(r.label) for r in ranked)
        for r in ranked:
            print(f"  {r.label:<{width}}  {r.score:6.3f}  cosine {r.cosine:+.3f}")
    return 0
