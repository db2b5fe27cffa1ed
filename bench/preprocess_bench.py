"""Files per second of each preprocessor, single process, on real and generated inputs.

Real data from ../shared/data (COCO/ESC-50/ImageBind photos, ESC-50 and ImageBind sound clips,
COCO captions, UCI-HAR IMU windows as 50 Hz CSV) and the reference fixture's audio files;
generated videos (H.264 MP4 and VP9 WebM), 16-bit depth PNGs, float depth arrays and thermal
images. Inputs are held in memory as bytes (what the HTTP service receives), so disk reads are
not timed. Each row cycles through its inputs for at least `--seconds` after one warm-up call.

    python bench/preprocess_bench.py [--seconds 3] [--threads N]

Prints a markdown table and writes it to bench/results/preprocess.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import av  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bindspace.models.kinds import build_preprocessors  # noqa: E402

DATA = REPO.parent / "shared" / "data"
FIXTURE = REPO.parent / "shared" / "fixtures" / "imagebind_reference"
RESULTS = REPO / "bench" / "results" / "preprocess.md"
UCI_CHANNELS = ["total_acc_x", "total_acc_y", "total_acc_z", "body_gyro_x", "body_gyro_y", "body_gyro_z"]


def read_all(paths: list[Path]) -> list[bytes]:
    return [path.read_bytes() for path in paths]


def photos() -> list[bytes]:
    paths = sorted((DATA / "coco_mini").rglob("*.jpg"))
    paths += sorted((DATA / "esc50_samples" / "images").glob("*.jpg"))
    paths += sorted((DATA / "imagebind_assets").glob("*.jpg"))
    return read_all(paths)


def cifar() -> list[bytes]:
    return read_all([p for folder in sorted((DATA / "cifar10_test").iterdir()) for p in sorted(folder.glob("*.jpg"))[:50]])


def sound_clips() -> list[bytes]:
    return read_all(sorted((DATA / "esc50_samples").glob("*.wav")) + sorted((DATA / "imagebind_assets").glob("*.wav")))


def fixture_audio() -> list[bytes]:
    return read_all(sorted((FIXTURE / "preprocess" / "audio").glob("*")))


def captions() -> list[str]:
    annotations = json.loads((DATA / "coco_mini" / "annotations" / "captions_val2017.json").read_text())
    return [entry["caption"] for entry in annotations["annotations"]][:2000]


def uci_windows() -> list[bytes]:
    channels = [np.loadtxt(DATA / "uci_har_test" / f"{name}_test.csv", delimiter=",", max_rows=500) for name in UCI_CHANNELS]
    windows = np.stack(channels, axis=-1)
    header = ",".join(UCI_CHANNELS)
    return ["\n".join([header] + [",".join(f"{v:.6g}" for v in row) for row in w]).encode() for w in windows]


def video(width: int, height: int, seconds: int, fps: int, fmt: str, codec: str) -> bytes:
    """A moving random texture, keyframe every 2 s."""
    texture = np.random.default_rng(0).integers(0, 256, (height, width * 2, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = 2 * fps
        if codec == "libx264":
            stream.options = {"preset": "ultrafast"}
        elif codec == "libvpx-vp9":
            stream.options = {"deadline": "realtime", "cpu-used": "8"}
        for index in range(seconds * fps):
            shift = (index * 4) % width
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(texture[:, shift : shift + width]), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buffer.getvalue()


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def depth_maps(kind: str) -> list[bytes]:
    rng = np.random.default_rng(1)
    rows = np.linspace(0.8, 6.0, 480)[:, None] + rng.normal(0, 0.05, (480, 640))
    metres = np.clip(rows, 0, None)
    metres[rng.random((480, 640)) < 0.05] = 0  # sensor holes
    if kind == "png":
        return [png(np.round(metres * 1000 + i).astype(np.uint16)) for i in range(8)]
    return [npy((metres + 0.01 * i).astype(np.float32)) for i in range(8)]


def thermal_images(bits: int) -> list[bytes]:
    rng = np.random.default_rng(2)
    scene = np.linspace(0, 1, 640)[None, :] * np.linspace(0.5, 1, 512)[:, None]
    if bits == 16:
        return [png((29_000 + 2_000 * scene + rng.normal(0, 20, scene.shape)).astype(np.uint16)) for _ in range(8)]
    return [png((255 * scene + rng.normal(0, 3, scene.shape)).clip(0, 255).astype(np.uint8)) for _ in range(8)]


def measure(call: Callable[[object], object], inputs: list, seconds: float) -> dict[str, float]:
    call(inputs[0])
    durations = []
    start = time.perf_counter()
    index = 0
    while index < len(inputs) or time.perf_counter() - start < seconds:
        begin = time.perf_counter()
        call(inputs[index % len(inputs)])
        durations.append(time.perf_counter() - begin)
        index += 1
    total = time.perf_counter() - start
    return {"files": len(durations), "per_s": len(durations) / total,
            "mean_ms": 1000 * statistics.fmean(durations), "p50_ms": 1000 * statistics.median(durations)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum time per row")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    pre = build_preprocessors()
    text_batch = captions()[:64]
    rows: list[tuple[str, str, Callable, list]] = [
        ("image", "COCO / ESC-50 / ImageBind photos (JPEG, ~640x480)", pre["image"], photos()),
        ("image", "CIFAR-10 test (JPEG 32x32)", pre["image"], cifar()),
        ("audio", "ESC-50 + ImageBind clips (44.1 kHz WAV, 2.6-5 s)", pre["audio"], sound_clips()),
        ("audio", "fixture files (8/16/44.1/48 kHz, WAV+FLAC, 0.8-12 s)", pre["audio"], fixture_audio()),
        ("text", "COCO captions, one at a time", pre["text"], captions()),
        ("text", "COCO captions, batches of 64 (files/s = captions/s; ms per batch)", lambda b: pre["text"].batch(b), [text_batch]),
        ("imu", "UCI-HAR windows (CSV, 128 x 6 at 50 Hz)", lambda d: pre["imu"](d, sample_rate=50), uci_windows()),
        ("video", "generated MP4 H.264 640x360 30 fps 20 s", pre["video"], [video(640, 360, 20, 30, "mp4", "libx264")]),
        ("video", "generated MP4 H.264 1280x720 30 fps 60 s", pre["video"], [video(1280, 720, 60, 30, "mp4", "libx264")]),
        ("video", "generated WebM VP9 640x360 30 fps 10 s", pre["video"], [video(640, 360, 10, 30, "webm", "libvpx-vp9")]),
        ("depth", "generated 16-bit PNG 640x480 (mm)", pre["depth"], depth_maps("png")),
        ("depth", "generated float32 .npy 640x480 (m)", pre["depth"], depth_maps("npy")),
        ("thermal", "generated 16-bit PNG 640x512", pre["thermal"], thermal_images(16)),
        ("thermal", "generated 8-bit PNG 640x512", pre["thermal"], thermal_images(8)),
    ]
    lines = [
        "# Preprocessing throughput",
        "",
        f"Command: `{shlex.join(['python', 'bench/preprocess_bench.py', *sys.argv[1:]])}`",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch threads "
        f"{torch.get_num_threads()}, Python {platform.python_version()}, torch {torch.__version__}; single process; "
        f"load average {os.getloadavg()[0]:.1f} at the start (other processes compete for the CPUs).",
        "",
        "| kind | inputs | files | files/s | mean ms | median ms |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for kind, label, call, inputs in rows:
        result = measure(call, inputs, args.seconds)
        per_s = result["per_s"] * (len(text_batch) if "batches" in label else 1)
        lines.append(f"| {kind} | {label} | {result['files']} | {per_s:.1f} | {result['mean_ms']:.1f} | {result['p50_ms']:.1f} |")
        print(lines[-1], flush=True)
    report = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print()
    print(report)


if __name__ == "__main__":
    main()
