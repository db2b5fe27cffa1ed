"""`bindspace index add` over directories and manifests: bad inputs reported, not fatal; reruns skip
stored ids; imports through a running server; embedding on a local Ray."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bindspace_process import BindspaceProcess
from server_process import make_tiny_model
from PIL import Image

from bindspace.app.cli import main
from bindspace.engine.settings import settings_from_env

ROOT = Path(__file__).resolve().parents[1]
CORRUPT = {"photos/2021/broken-0.png", "photos/2021/broken-1.png", "photos/broken-2.jpg", "notes/deep/broken-3.png",
           "broken-4.png"}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("model") / "tiny")


@pytest.fixture()
def env(tmp_path, monkeypatch, model_dir):
    monkeypatch.setenv("BINDSPACE_MODEL", str(model_dir))
    monkeypatch.setenv("BINDSPACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BINDSPACE_THREADS", "1")
    settings_from_env.cache_clear()
    yield tmp_path
    settings_from_env.cache_clear()


@pytest.fixture()
def library(env) -> Path:
    """200 files under nested directories (100 texts, 100 images), 5 of them corrupt images, plus a hidden
    file and a file of unknown kind that the walk skips."""
    root = env / "library"
    for i in range(100):
        folder = root / ("notes" if i % 2 else "notes/deep")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note-{i}.txt").write_text(f"note number {i} about {'dogs' if i % 3 else 'cars'}")
    for i in range(95):
        folder = root / ("photos/2021" if i % 2 else "photos")
        folder.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (24, 16), (i, 2 * i % 256, 90)).save(folder / f"photo-{i}.png")
    for name in CORRUPT:
        (root / name).write_bytes(b"\x89PNG\r\n\x1a\n but not really")
    (root / "notes" / "readme.unknown").write_text("skipped")
    (root / ".hidden.txt").write_text("skipped")
    assert sum(1 for p in root.rglob("*") if p.is_file()) == 202
    return root


def add(capsys, *argv: str) -> tuple[int, str]:
    status = main(["index", "add", *argv])
    return status, capsys.readouterr().err


def stats(capsys) -> dict:
    assert main(["index", "stats"]) == 0
    return {row["name"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}


def reported(report: Path, root: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    return {str(Path(row["file"]).relative_to(root)): row["reason"] for row in rows}


def test_directory_import_reports_bad_files_and_a_rerun_stores_nothing_new(library, env, capsys):
    report = env / "failures.jsonl"
    status, err = add(capsys, "lib", str(library), "--report", str(report))
    assert status == 1
    assert "stored 195, already stored 0, failed 5" in err and "skipped 1 files of unknown kind" in err
    assert "item/s" in err or "it/s" in err  # the progress bar shows the rate
    failures = reported(report, library)
    assert set(failures) == CORRUPT and all(reason for reason in failures.values())
    info = stats(capsys)["lib"]
    assert info["count"] == 195 and info["counts_by_modality"] == {"image": 95, "text": 100}
    report.unlink()
    status, err = add(capsys, "lib", str(library), "--report", str(report))
    assert status == 1 and "stored 0, already stored 195, failed 5" in err
    assert stats(capsys)["lib"]["count"] == 195


def test_manifest_lines_with_paths_texts_and_metadata(library, env, capsys):
    manifest = env / "manifest.jsonl"
    lines = [
        json.dumps({"path": "library/photos/photo-0.png", "id": "p0", "metadata": {"album": "a"}}),
        json.dumps({"text": "a red car", "id": "t1", "metadata": {"lang": "en"}}),
        json.dumps({"path": "library/notes/note-1.txt"}),
        "{not json",
        json.dumps({"text": "no id"}),
        json.dumps({"path": "library/missing.png", "id": "gone"}),
        json.dumps({"path": "library/photos/photo-2.png", "metadata": ["not", "an", "object"]}),
        "",
    ]
    manifest.write_text("\n".join(lines))
    report = env / "manifest-failures.jsonl"
    status, err = add(capsys, "m", "--manifest", str(manifest), "--report", str(report))
    assert status == 1 and "stored 3, already stored 0, failed 4" in err
    reasons = [json.loads(line) for line in report.read_text().splitlines()]
    assert [r["file"].rsplit(":", 1)[-1] for r in reasons[:3]] == ["4", "5", "7"]
    assert "not JSON" in reasons[0]["reason"] and '"id"' in reasons[1]["reason"]
    assert reasons[3]["file"].endswith("missing.png")
    assert main(["index", "search", "m", "--text", "a red car", "-k", "1"]) == 0
    hit = json.loads(capsys.readouterr().out)
    assert hit["id"] == "t1" and hit["metadata"] == {"lang": "en"}


def test_import_through_a_running_server(library, env, capsys, model_dir):
    server = BindspaceProcess({"BINDSPACE_MODEL": str(model_dir), "BINDSPACE_DATA_DIR": str(env / "data"),
                               "BINDSPACE_INFERENCE_PROCESS": "false"}, env / "server.log")
    try:
        status, err = add(capsys, "live", str(library / "notes"))
        assert status == 2 and "--server" in err  # the server owns the data directory
        report = env / "live-failures.jsonl"
        status, err = add(capsys, "live", str(library / "notes"), "--server", server.url, "--report", str(report))
        assert status == 1 and "stored 100, already stored 0, failed 1" in err  # notes/deep/broken-3.png
        assert set(reported(report, library)) == {"notes/deep/broken-3.png"}
        status, err = add(capsys, "live", str(library / "notes"), "--server", server.url, "--report", str(report))
        assert status == 1 and "stored 0, already stored 100, failed 1" in err
        with server.client() as http:
            assert http.get("/v1/collections/live").json()["counts_by_modality"] == {"text": 100}
            item = http.get(f"/v1/collections/live/items/{library}/notes/note-1.txt").json()
            assert item["metadata"] == {"path": str(library / "notes" / "note-1.txt")}
    finally:
        server.stop()


def test_ray_import_matches_the_local_one(library, env):
    pytest.importorskip("ray")
    report = env / "ray-failures.jsonl"
    command = [sys.executable, "-m", "bindspace.app", "index", "add", "lib", str(library), "--ray",
               "--ray-workers", "2", "--batch-size", "32", "--report", str(report)]
    environment = {**os.environ, "BINDSPACE_MODEL": os.environ["BINDSPACE_MODEL"],
                   "BINDSPACE_DATA_DIR": str(env / "data"), "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0"}
    first = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert first.returncode == 1, first.stderr[-3000:]
    assert "stored 195, already stored 0, failed 5" in first.stderr
    assert set(reported(report, library)) == CORRUPT
    again = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert "stored 0, already stored 195, failed 5" in again.stderr, again.stderr[-3000:]
