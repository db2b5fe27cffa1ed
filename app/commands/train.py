"""`bindspace train`, `train-default`, `eval` and `corpus`: training, evaluating, and the procedural corpus."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bindspace.models.kinds import kind_names

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parents[2] / "models" / "weights" / "default"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train`, `train-default`, `eval` and `corpus` commands."""
    _register_train(subparsers)
    _register_train_default(subparsers)
    _register_eval(subparsers)
    _register_corpus(subparsers)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("how the run goes")
    group.add_argument("--workers", type=int, default=1, help="data-loading worker processes (default 1)")
    group.add_argument("--seed", type=int, default=0)
    group.add_argument("--no-bf16", dest="bf16", action="store_false",
                       help="train in float32 instead of under bfloat16 autocast")
    group.add_argument("--device", default="cpu", help="torch device (default cpu)")
    group.add_argument("--checkpoint-every", type=int, default=200, metavar="STEPS")
    group.add_argument("--stop-at-step", type=int, metavar="STEP",
                       help="stop after this step (checkpointed); run the same command again to resume")
    group.add_argument("--cache-dir", type=Path, help="preprocessed-tensor cache (default RUN_DIR/cache)")
    group.add_argument("--threads", type=int, help="torch threads while training (default: torch's choice; "
                       "1 is often fastest on a CPU shared with other work)")
    group.add_argument("--quiet", action="store_true", help="no progress bar")


def _options(args: argparse.Namespace) -> dict:
    return {"seed": args.seed, "num_workers": args.workers, "bf16": args.bf16, "device": args.device,
            "checkpoint_every": args.checkpoint_every, "stop_at_step": args.stop_at_step,
            "cache_dir": args.cache_dir, "progress": not args.quiet, "threads": args.threads}


# -- train --------------------------------------------------------------------------------------

def _register_train(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="train one encoder contrastively on paired data (bind a modality to an anchor)",
        description="Bind KIND to a frozen anchor on (anchor-kind, KIND) pairs from a JSON-lines manifest "
        "(e.g. {\"image\": \"a.jpg\", \"audio\": \"a.wav\"}, paths relative to the manifest), or train an "
        "image-text anchor from scratch with --anchor-stage. Reruns of the same command resume.",
    )
    parser.add_argument("--manifest", type=Path, required=True, help="training pairs (JSON lines)")
    parser.add_argument("--val-manifest", type=Path,
                        help="validation pairs (default: --val-split of --manifest, else 10%% held out)")
    parser.add_argument("--split", help="use only records whose \"split\" is this (e.g. train)")
    parser.add_argument("--val-split", help="validation records: those of --manifest with this split")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--bind", metavar="KIND", choices=kind_names(),
                      help="the input kind whose encoder is trained")
    what.add_argument("--anchor-stage", action="store_true",
                      help="train image and text encoders together (learnable temperature)")
    parser.add_argument("--against", default="image", metavar="KIND",
                        help="the frozen kind to bind to: image (default, as ImageBind) or text (text-paired)")
    source = parser.add_argument_group("the model")
    source.add_argument("--anchor", type=Path,
                        help="model directory, or a bare checkpoint with --anchor-config, or an OpenCLIP "
                        "checkpoint with --openclip ARCH")
    source.add_argument("--anchor-config", help="config of a bare --anchor checkpoint, e.g. huge")
    source.add_argument("--openclip", metavar="ARCH", help="--anchor is an OpenCLIP checkpoint of this architecture")
    source.add_argument("--config", help="config for a model trained from scratch: preset name or JSON file")
    source.add_argument("--encoder-config", help="JSON object of sizes for the new encoder, e.g. "
                        "'{\"audio_embed_dim\": 256, \"audio_num_blocks\": 4, \"audio_num_heads\": 4}'")
    budget = parser.add_argument_group("the stage")
    budget.add_argument("--steps", type=int, default=1000)
    budget.add_argument("--batch-size", type=int, default=64)
    budget.add_argument("--lr", type=float, default=1e-3)
    budget.add_argument("--weight-decay", type=float, default=0.05)
    budget.add_argument("--warmup-steps", type=int, default=50)
    budget.add_argument("--temperature", type=float,
                        help="InfoNCE temperature (default: ImageBind's for KIND; 0.07 for the anchor stage)")
    budget.add_argument("--distinct-key", metavar="KEY",
                        help="a manifest key such as a class label: no batch holds two items with the same value "
                        "(batch size at most the number of values)")
    parser.add_argument("--run-dir", type=Path, required=True, help="checkpoints, metrics.csv, cache")
    parser.add_argument("--out", type=Path, required=True, help="model directory to write when done")
    parser.add_argument("--weights-dtype", choices=("float32", "float16", "bfloat16"), default="float32")
    _add_run_options(parser)
    parser.set_defaults(handler=run_train)


def _load_json_argument(value: str) -> dict:
    text = Path(value).read_text(encoding="utf-8") if Path(value).is_file() else value
    loaded = json.loads(text)
    if not isinstance(loaded, dict):
        raise ValueError(f"expected a JSON object, got {text[:60]!r}")
    return loaded


def _start_model(args: argparse.Namespace, modalities: list[str]):
    from bindspace.models import build_model, get_config
    from bindspace.training.anchor import load_anchor, with_encoders

    if args.anchor is not None:
        if args.openclip:
            from bindspace.models.openclip import from_open_clip

            anchor = from_open_clip(args.openclip, pretrained=args.anchor)
        else:
            anchor = load_anchor(args.anchor, config=args.anchor_config)
        overrides = _load_json_argument(args.encoder_config) if args.encoder_config else None
        return with_encoders(anchor, modalities, overrides)
    if args.config is None:
        raise ValueError("pass --anchor (a trained model to bind to) or --config (to train from scratch)")
    config = get_config(args.config if not Path(args.config).is_file() else _load_json_argument(args.config))
    return build_model(config, modalities=modalities)


def _split_records(args: argparse.Namespace, kinds: list[str]):
    import torch

    from bindspace.training.manifest import read_manifest

    records = read_manifest(args.manifest, kinds, split=args.split)
    if args.val_manifest is not None:
        return records, read_manifest(args.val_manifest, kinds, split=args.val_split)
    if args.val_split is not None:
        return records, read_manifest(args.manifest, kinds, split=args.val_split)
    order = torch.randperm(len(records), generator=torch.Generator().manual_seed(args.seed)).tolist()
    held = max(2, len(records) // 10)
    if len(records) - held < 2:
        raise ValueError(f"{args.manifest} has too few records ({len(records)}) to hold out validation pairs")
    return [records[i] for i in sorted(order[held:])], [records[i] for i in sorted(order[:held])]


def run_train(args: argparse.Namespace) -> int:
    """Train one stage and write the model; exit 2 on bad input."""
    from bindspace.models.errors import InputError
    from bindspace.models.kinds import build_preprocessors, encoder_of, preprocess_options
    from bindspace.training.anchor import save_model_weights
    from bindspace.training.manifest import ManifestError
    from bindspace.training.stage import BINDING_TEMPERATURES, StageConfig
    from bindspace.training.trainer import StageTrainer, TrainOptions

    try:
        if args.anchor_stage:
            pair, trained = ("image", "text"), ("image", "text")
            temperature, learnable, name = args.temperature or 0.07, True, "anchor"
        else:
            if args.bind == args.against:
                raise ValueError("--bind and --against must be different kinds")
            pair, trained = (args.against, args.bind), (args.bind,)
            temperature = args.temperature or BINDING_TEMPERATURES.get(args.bind, 0.07)
            learnable = False
            name = f"bind-{args.bind}" if args.against == "image" else f"{args.against}-paired-{args.bind}"
        stage = StageConfig(name=name, pair=pair, trained=trained, temperature=temperature,
                            learnable_temperature=learnable, steps=args.steps, batch_size=args.batch_size,
                            lr=args.lr, weight_decay=args.weight_decay, warmup_steps=args.warmup_steps,
                            distinct_key=args.distinct_key)
        model = _start_model(args, sorted({encoder_of(kind) for kind in pair}))
        train_records, val_records = _split_records(args, list(pair))
        options = TrainOptions(run_dir=args.run_dir, **_options(args))
        preprocessors = build_preprocessors(**preprocess_options(model.config))
        result = StageTrainer(model, stage, train_records, val_records, preprocessors, options).run()
    except (ManifestError, InputError, ValueError, FileNotFoundError) as error:
        print(f"bindspace train: {error}", file=sys.stderr)
        return 2
    if not result.completed:
        print(f"stopped at step {result.steps} of {stage.steps}; run the same command again to resume")
        return 0
    save_model_weights(model, args.out, dtype=args.weights_dtype)
    print(json.dumps({"model": str(args.out), "steps": result.steps, "seconds": round(result.seconds, 1),
                      "validation": result.validation}))
    return 0


# -- train-default ------------------------------------------------------------------------------

def _register_train_default(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train-default", help="build the bundled default model (pretrained towers, corpus and binding included)",
        description="Load the pretrained image and text towers from their installed, sha256-pinned packages, "
        "write the procedural corpus, bind audio, depth, thermal and IMU to the frozen image tower, and store "
        "the model. Reruns resume where the last run stopped.",
    )
    parser.add_argument("--work-dir", type=Path, default=Path("runs/default"),
                        help="corpus, cache, checkpoints and metrics (default runs/default)")
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS_DIR,
                        help=f"model directory to write (default {DEFAULT_WEIGHTS_DIR})")
    parser.add_argument("--corpus-dir", type=Path, help="corpus location (default WORK_DIR/corpus)")
    parser.add_argument("--workers", type=int, default=1, help="data-loading workers during training (default 1)")
    parser.add_argument("--threads", type=int,
                        help="torch threads while training (default: torch's choice, one per core; 1 is often "
                        "faster on a CPU shared with other work)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(handler=run_train_default)


def run_train_default(args: argparse.Namespace) -> int:
    from bindspace.training.pipeline import train_recipe
    from bindspace.training.recipes import DEFAULT_RECIPE

    summary = train_recipe(DEFAULT_RECIPE, work_dir=args.work_dir, out_dir=args.out, corpus_dir=args.corpus_dir,
                           options={"num_workers": args.workers, "progress": not args.quiet,
                                    "threads": args.threads})
    print(json.dumps({"completed": summary["completed"], "out": str(args.out), "timings": summary["timings"]}))
    return 0 if summary["completed"] else 1


# -- eval ---------------------------------------------------------------------------------------

def _register_eval(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval", help="zero-shot accuracy and cross-modal retrieval of a model on a labelled manifest",
        description="Zero-shot top-1/top-5 against prompt-ensembled class embeddings for every non-text "
        "kind, and retrieval R@1/5/10 for every ordered pair of kinds present.",
    )
    parser.add_argument("model", type=Path, help="model directory")
    parser.add_argument("--corpus", type=Path, help="a corpus directory: uses SPLIT/manifest.jsonl and concepts.json")
    parser.add_argument("--split", default="test", help="corpus split (default test)")
    parser.add_argument("--manifest", type=Path, help="labelled manifest (instead of --corpus)")
    parser.add_argument("--classes", type=Path, help="class prompts JSON (default: the corpus's concepts.json)")
    parser.add_argument("--label-key", default="concept", help="manifest key holding the class (default concept)")
    parser.add_argument("--kinds", nargs="+", help="input kinds to evaluate (default: all the model and manifest share)")
    parser.add_argument("--json", dest="json_out", type=Path, help="write the report as JSON here")
    parser.add_argument("--markdown", type=Path, help="write the report as Markdown here")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--cache-dir", type=Path, help="cache preprocessed inputs here (float32)")
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from bindspace.models import load_model
    from bindspace.models.errors import InputError
    from bindspace.models.kinds import build_preprocessors, encoder_of, preprocess_options
    from bindspace.training.cache import TensorCache
    from bindspace.training.evaluate import evaluate_model, read_class_prompts, report_markdown
    from bindspace.training.manifest import ManifestError, manifest_kinds, read_manifest

    try:
        if (args.corpus is None) == (args.manifest is None):
            raise ValueError("pass exactly one of --corpus or --manifest")
        manifest = args.manifest or args.corpus / args.split / "manifest.jsonl"
        classes = args.classes or (args.corpus / "concepts.json" if args.corpus else None)
        model = load_model(args.model)
        available = manifest_kinds(manifest)
        kinds = args.kinds or [k for k in available if encoder_of(k) in model.modalities]
        records = read_manifest(manifest, kinds)
        prompts = read_class_prompts(classes) if classes else None
        cache = TensorCache(args.cache_dir, float_dtype="float32") if args.cache_dir else None
        preprocessors = build_preprocessors(**preprocess_options(model.config))
        report = evaluate_model(model, records, preprocessors, kinds=kinds, class_prompts=prompts,
                                label_key=args.label_key, cache=cache, batch_size=args.batch_size,
                                num_workers=args.workers)
    except (ManifestError, InputError, ValueError, FileNotFoundError) as error:
        print(f"bindspace eval: {error}", file=sys.stderr)
        return 2
    report = {"model": str(args.model), "manifest": str(manifest), **report}
    markdown = report_markdown(report, title=f"{args.model} on {manifest}")
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(markdown + "\n")
    print(markdown)
    return 0


# -- corpus -------------------------------------------------------------------------------------

def _register_corpus(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "corpus", help="write the procedural six-modality paired corpus",
        description="Render every concept's samples (image, caption, audio, depth, thermal, IMU) into "
        "OUT_DIR/<split>/ with a manifest per split and concepts.json.",
    )
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-concept", type=int, default=100, metavar="N",
                        help="training samples per concept (default 100); val and test get N/5 each")
    parser.add_argument("--val-per-concept", type=int, metavar="N")
    parser.add_argument("--test-per-concept", type=int, metavar="N")
    parser.add_argument("--difficulty", default="default", help="easy, default, hard, or a JSON object of overrides")
    parser.add_argument("--concepts", nargs="+", metavar="NAME", help="only these concepts (default: all 32)")
    parser.add_argument("--workers", type=int, help="rendering processes (default: up to 2)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing corpus in OUT_DIR")
    parser.set_defaults(handler=run_corpus)


def run_corpus(args: argparse.Namespace) -> int:
    from bindspace.training.corpus import write_corpus

    evaluation = max(1, args.per_concept // 5)
    counts = {"train": args.per_concept,
              "val": evaluation if args.val_per_concept is None else args.val_per_concept,
              "test": evaluation if args.test_per_concept is None else args.test_per_concept}
    try:
        difficulty = json.loads(args.difficulty) if args.difficulty.lstrip().startswith("{") else args.difficulty
        write_corpus(args.out_dir, samples_per_concept_per_split=counts, seed=args.seed, workers=args.workers,
                     difficulty=difficulty, concepts=args.concepts, overwrite=args.overwrite)
    except (ValueError, FileExistsError) as error:
        print(f"bindspace corpus: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"corpus": str(args.out_dir), "samples_per_concept": counts}))
    return 0
