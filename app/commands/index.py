"""`bindspace index add|search|stats`: the configured vector index from the command line.

A FAISS data directory is owned by one process at a time: while a server uses it, `add --server URL`
imports through that server. A Milvus backend (BINDSPACE_INDEX_BACKEND=milvus) is shared, so every
command works while servers run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bindspace.app.bulk_embedding import EntryEmbedder
from bindspace.app.bulk_import import embed_locally, pending, run_import
from bindspace.app.bulk_sources import collect
from bindspace.app.bulk_targets import DatabaseTarget, ServerTarget
from bindspace.app.commands.inputs import kinds_of, local_engine
from bindspace.engine.engine import EngineNotReadyError, UnsupportedKindError
from bindspace.engine.model_source import ModelNotFoundError
from bindspace.app.data_dir import open_database
from bindspace.engine.settings import settings_from_env
from bindspace.index import DataDirLockedError, IndexStoreError
from bindspace.models.errors import InputError
from bindspace.models.kinds import kind_names

FAILURES = (InputError, ModelNotFoundError, EngineNotReadyError, UnsupportedKindError, IndexStoreError)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `index` command and its `add`, `search` and `stats` subcommands."""
    parser = subparsers.add_parser("index", help="add files to, search, and describe collections",
                                   description=__doc__)
    commands = parser.add_subparsers(dest="index_command", required=True, metavar="SUBCOMMAND")

    add = commands.add_parser(
        "add", help="embed files, directories and manifests and upsert them",
        description="Embed files (id: the path as given), directories (recursively; kind by extension, other "
        "files skipped) and JSON-lines manifests (docs/scaling.md), skipping ids already stored. Bad inputs "
        "are reported, not fatal: each goes to --report as {\"file\", \"reason\"}; the exit status is 1 when "
        "any failed.")
    add.add_argument("collection")
    add.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files and directories")
    add.add_argument("--manifest", action="append", type=Path, default=[], metavar="FILE",
                     help="JSON-lines manifest (repeatable)")
    add.add_argument("--modality", choices=kind_names(), help="input kind of every file (default: by extension)")
    add.add_argument("--index", default="Flat", help="index factory string when the collection is created")
    add.add_argument("--report", type=Path, default=Path("index-add-failures.jsonl"),
                     help="where failures go, one JSON object a line (default: %(default)s; written only when "
                     "something failed)")
    add.add_argument("--batch-size", type=int, default=64, help="inputs embedded and written together")
    add.add_argument("--server", metavar="URL", help="write through this running bindspace server")
    add.add_argument("--api-key", help="bearer key for --server")
    add.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                     help="embed on a Ray cluster (no ADDRESS: a local Ray on --ray-workers CPUs)")
    add.add_argument("--ray-workers", type=int, default=2, help="Ray embedding workers (default: %(default)s)")
    add.set_defaults(handler=run_add)

    search = commands.add_parser("search", help="print the nearest items as JSON lines")
    search.add_argument("collection")
    query = search.add_mutually_exclusive_group(required=True)
    query.add_argument("--text", help="query text")
    query.add_argument("--file", type=Path, help="query file")
    search.add_argument("--modality", choices=kind_names(), help="input kind of --file (default: by extension)")
    search.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    search.set_defaults(handler=run_search)

    stats = commands.add_parser("stats", help="print every collection's size as JSON lines")
    stats.set_defaults(handler=run_stats)


def _fail(message: object) -> int:
    print(f"bindspace index: {message}", file=sys.stderr)
    return 2


def _target(args: argparse.Namespace, database, dimension: int) -> DatabaseTarget | ServerTarget:
    if args.server:
        return ServerTarget(args.server, args.api_key, args.collection, dimension, args.index)
    return DatabaseTarget(database, args.collection, dimension, args.index)


def run_add(args: argparse.Namespace) -> int:
    """Collect the inputs, skip stored ids, embed the rest (here or on Ray) and write them in batches."""
    settings = settings_from_env()
    if not args.paths and not args.manifest:
        return _fail("give files, directories or --manifest")
    if args.batch_size < 1 or args.ray_workers < 1:
        return _fail("--batch-size and --ray-workers must be at least 1")
    collected = collect(args.paths, args.manifest, args.modality)
    database = target = embedder = None
    try:
        embedder = EntryEmbedder(settings)
        if not args.server:
            database = open_database(settings)
        target = _target(args, database, embedder.dimension)
        todo, already = pending(collected.entries, target)
        if args.ray:
            from bindspace.app.bulk_ray import embed_on_ray  # Ray is an optional extra

            embedder.close()
            embedder = None
            address = None if args.ray == "local" else args.ray
            batches = embed_on_ray(todo, address, args.ray_workers, args.batch_size)
        else:
            batches = embed_locally(embedder, todo, args.batch_size)
        summary = run_import(collected, todo, already, target, batches, args.report, f"adding to {args.collection}")
    except DataDirLockedError as exc:
        return _fail(f"{exc}; while a server uses the data directory, import through it with --server URL")
    except FAILURES as exc:
        return _fail(exc)
    finally:
        if embedder is not None:
            embedder.close()
        if isinstance(target, ServerTarget):
            target.close()
        if database is not None:
            database.close()
    print(f"stored {summary.stored}, already stored {summary.already_stored}, failed {summary.failed}"
          + (f" (see {args.report})" if summary.failed else "")
          + (f", skipped {summary.skipped_unknown} files of unknown kind" if summary.skipped_unknown else ""),
          file=sys.stderr)
    return 1 if summary.failed else 0


def run_search(args: argparse.Namespace) -> int:
    """Embed the query and print one JSON object per hit, best first."""
    settings = settings_from_env()
    try:
        if args.text is not None:
            kind, query = "text", args.text
        else:
            kind, query = kinds_of([args.file], args.modality)[0], args.file
        with local_engine() as engine:
            vector = asyncio.run(engine.embed(kind, [query])).unit()
        with open_database(settings) as database:
            hits = database.get_collection(args.collection).search(vector, args.k)[0]
    except FAILURES as exc:
        return _fail(exc)
    for hit in hits:
        print(json.dumps({"id": hit.id, "score": hit.score, "modality": hit.modality, "metadata": hit.metadata}))
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """Print each collection's definition and size."""
    settings = settings_from_env()
    try:
        with open_database(settings) as database:
            infos = database.list_collections()
    except IndexStoreError as exc:
        return _fail(exc)
    for info in infos:
        print(json.dumps({"name": info.name, "dimension": info.dimension, "metric": info.metric,
                          "index": info.index, "count": info.count, "counts_by_modality": info.counts_by_modality}))
    return 0
