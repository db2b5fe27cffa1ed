"""The `bindspace` command line: one subcommand module per entry of COMMANDS, each exposing `register`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bindspace.app.commands import classify, embed, index, models, serve, towers, train

# Each module defines `register(subparsers)`, which adds its subcommand(s) and sets `handler(args) -> int`.
COMMANDS = (serve, embed, classify, index, train, models, towers)


def build_parser() -> argparse.ArgumentParser:
    """The parser with every command of COMMANDS registered."""
    parser = argparse.ArgumentParser(
        prog="bindspace",
        description="Embeddings for images, video, text, audio, depth, thermal and IMU data in one space. "
        "Settings come from BINDSPACE_* environment variables (see docs/api.md).",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in `argv` (default: sys.argv) and return its exit status."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
