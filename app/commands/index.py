"""`bindspace index add|search|stats`: the vector index in BINDSPACE_DATA_DIR, from the command line.

The data directory is owned by one process at a time: stop a server using it first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from bindspace.app.data_dir import open_database
from bindspace.app.embedding import normalize_rows
from bindspace.app.file_embedding import FileEmbedder, guess_kind
from bindspace.app.model_source import ModelNotFoundError
from bindspace.app.settings import get_settings
from bindspace.index import CollectionNotFoundError, IndexStoreError, Item
from bindspace.models.errors import InputError
from bindspace.models.preprocess import ENCODER_FOR, INPUT_KINDS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `index` command and its `add`, `search` and `stats` subcommands."""
    parser = subparsers.add_parser("index", help="add files to, search, and describe collections",
                                   description=__doc__)
    commands = parser.add_subparsers(dest="index_command", required=True, metavar="SUBCOMMAND")

    add = commands.add_parser("add", help="embed files and upsert them (id: the path as given)")
    add.add_argument("collection")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add.add_argument("--modality", choices=INPUT_KINDS, help="input kind of every file (default: by extension)")
    add.add_argument("--index", default="Flat", help="FAISS factory string when the collection is created")
    add.set_defaults(handler=run_add)

    search = commands.add_parser("search", help="print the nearest items as JSON lines")
    search.add_argument("collection")
    query = search.add_mutually_exclusive_group(required=True)
    query.add_argument("--text", help="query text")
    query.add_argument("--file", type=Path, help="query file")
    search.add_argument("--modality", choices=INPUT_KINDS, help="input kind of --file (default: by extension)")
    search.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    search.set_defaults(handler=run_search)

    stats = commands.add_parser("stats", help="print every collection's size as JSON lines")
    stats.set_defaults(handler=run_stats)


def _fail(message: object) -> int:
    print(f"bindspace index: {message}", file=sys.stderr)
    return 2


def run_add(args: argparse.Namespace) -> int:
    """Embed the files with a progress bar and upsert them in batches."""
    settings = get_settings()
    try:
        kinds = [args.modality or guess_kind(path) for path in args.files]
        embedder = FileEmbedder(settings)
        with open_database(settings) as database:
            try:
                collection = database.get_collection(args.collection)
            except CollectionNotFoundError:
                collection = database.create_collection(args.collection, embedder.info.dimension, index=args.index)
            with tqdm(total=len(args.files), unit="file", desc=f"adding to {args.collection}") as progress:
                for kind in dict.fromkeys(kinds):
                    paths = [path for path, k in zip(args.files, kinds, strict=True) if k == kind]
                    batch = []
                    for path, vector in embedder.embed_files(kind, paths):
                        batch.append(Item(str(path), normalize_rows(vector[None])[0], kind, {"path": str(path)}))
                        if len(batch) == settings.batch_sizes[ENCODER_FOR[kind]]:
                            collection.upsert(batch)
                            progress.update(len(batch))
                            batch = []
                    collection.upsert(batch)
                    progress.update(len(batch))
    except (InputError, ModelNotFoundError, IndexStoreError) as exc:
        return _fail(exc)
    return 0


def run_search(args: argparse.Namespace) -> int:
    """Embed the query and print one JSON object per hit, best first."""
    settings = get_settings()
    try:
        embedder = FileEmbedder(settings)
        if args.text is not None:
            vector = embedder.embed_texts([args.text])[0]
        else:
            kind = args.modality or guess_kind(args.file)
            vector = next(embedder.embed_files(kind, [args.file]))[1]
        with open_database(settings) as database:
            hits = database.get_collection(args.collection).search(normalize_rows(vector[None]), args.k)[0]
    except (InputError, ModelNotFoundError, IndexStoreError) as exc:
        return _fail(exc)
    for hit in hits:
        print(json.dumps({"id": hit.id, "score": hit.score, "modality": hit.modality, "metadata": hit.metadata}))
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """Print each collection's definition and size."""
    settings = get_settings()
    try:
        with open_database(settings) as database:
            infos = database.list_collections()
    except IndexStoreError as exc:
        return _fail(exc)
    for info in infos:
        print(json.dumps({"name": info.name, "dimension": info.dimension, "metric": info.metric,
                          "index": info.index, "count": info.count, "counts_by_modality": info.counts_by_modality}))
    return 0
