"""`bindspace index add|search|stats`: the vector index in BINDSPACE_DATA_DIR, from the command line.

The data directory is owned by one process at a time: stop a server using it first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from tqdm import tqdm

from bindspace.app.commands.inputs import kinds_of, local_engine
from bindspace.app.data_dir import open_database
from bindspace.engine.engine import Engine, EngineNotReadyError, UnsupportedKindError
from bindspace.engine.model_source import ModelNotFoundError
from bindspace.engine.settings import settings_from_env
from bindspace.index import Collection, CollectionNotFoundError, IndexStoreError, Item
from bindspace.models.errors import InputError
from bindspace.models.kinds import encoder_of, kind_names

FAILURES = (InputError, ModelNotFoundError, EngineNotReadyError, UnsupportedKindError, IndexStoreError)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `index` command and its `add`, `search` and `stats` subcommands."""
    parser = subparsers.add_parser("index", help="add files to, search, and describe collections",
                                   description=__doc__)
    commands = parser.add_subparsers(dest="index_command", required=True, metavar="SUBCOMMAND")

    add = commands.add_parser("add", help="embed files and upsert them (id: the path as given)")
    add.add_argument("collection")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add.add_argument("--modality", choices=kind_names(), help="input kind of every file (default: by extension)")
    add.add_argument("--index", default="Flat", help="FAISS factory string when the collection is created")
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


async def _add(engine: Engine, collection: Collection, paths: list[Path], kinds: list[str],
               progress: tqdm) -> None:
    for kind in dict.fromkeys(kinds):
        chosen = [path for path, k in zip(paths, kinds, strict=True) if k == kind]
        size = engine.settings.batch_size(encoder_of(kind))
        for start in range(0, len(chosen), size):
            batch = chosen[start:start + size]
            vectors = (await engine.embed(kind, batch)).unit()
            collection.upsert([Item(str(path), vector, kind, {"path": str(path)})
                               for path, vector in zip(batch, vectors, strict=True)])
            progress.update(len(batch))


def run_add(args: argparse.Namespace) -> int:
    """Embed the files with a progress bar and upsert them in batches."""
    settings = settings_from_env()
    try:
        kinds = kinds_of(args.files, args.modality)
        with local_engine() as engine, open_database(settings) as database:
            try:
                collection = database.get_collection(args.collection)
            except CollectionNotFoundError:
                collection = database.create_collection(args.collection, engine.info.dimension, index=args.index)
            with tqdm(total=len(args.files), unit="file", desc=f"adding to {args.collection}") as progress:
                asyncio.run(_add(engine, collection, args.files, kinds, progress))
    except FAILURES as exc:
        return _fail(exc)
    return 0


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
