"""`bindspace serve`: run the HTTP service with uvicorn."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from bindspace.engine.model_source import ModelNotFoundError, resolve_model_dir
from bindspace.engine.settings import settings_from_env


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `serve` command."""
    parser = subparsers.add_parser(
        "serve", help="run the HTTP service",
        description="Serve the HTTP API (host, port and workers from BINDSPACE_HOST, BINDSPACE_PORT, "
        "BINDSPACE_WORKERS unless given here).",
    )
    parser.add_argument("--host", help="address to bind (default: BINDSPACE_HOST)")
    parser.add_argument("--port", type=int, help="port to bind (default: BINDSPACE_PORT)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the model exists, then serve until interrupted."""
    settings = settings_from_env()
    try:
        resolve_model_dir(settings.model, settings.model_dir)
    except ModelNotFoundError as exc:
        print(f"bindspace serve: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        "bindspace.app.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=settings.workers,
        timeout_keep_alive=settings.keep_alive_s,
        log_config=None,
        access_log=False,
    )
    return 0
