"""The `bindspace` command line: embed, index add/search/stats, serve's start-up check."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch

from bindspace.app.cli import COMMANDS, main
from bindspace.engine.settings import settings_from_env
from bindspace.models import load_model
from bindspace.models.kinds import build_preprocessors
from live_server import png_bytes, tiny_model_dir, wav_bytes

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("BINDSPACE_MODEL", str(tiny_model_dir()))
    monkeypatch.setenv("BINDSPACE_DATA_DIR", str(tmp_path / "data"))
    settings_from_env.cache_clear()
    yield tmp_path
    settings_from_env.cache_clear()


@pytest.fixture()
def files(env):
    (env / "dog.txt").write_text("a dog in the snow", encoding="utf-8")
    (env / "car.txt").write_text("a red car", encoding="utf-8")
    (env / "one.png").write_bytes(png_bytes(seed=1))
    (env / "two.png").write_bytes(png_bytes(seed=2))
    (env / "sound.wav").write_bytes(wav_bytes(seed=1))
    return env


def run(capsys, *argv: str) -> tuple[int, list[dict], str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, [json.loads(line) for line in captured.out.splitlines() if line.strip()], captured.err


def test_embed_prints_unit_vectors_equal_to_the_model(files, capsys) -> None:
    status, rows, _ = run(capsys, "embed", str(files / "dog.txt"), str(files / "one.png"))
    assert status == 0 and [r["modality"] for r in rows] == ["text", "image"]
    model = load_model(tiny_model_dir())
    pre = build_preprocessors()
    with torch.inference_mode():
        text = model.encode("text", pre["text"]("a dog in the snow")[None])[0].numpy()
        image = model.encode("vision", pre["image"](files / "one.png")[None])[0].numpy()
    for row, raw in zip(rows, (text, image), strict=True):
        np.testing.assert_allclose(row["embedding"], raw / np.linalg.norm(raw), atol=1e-5)


def test_embed_raw_keeps_the_scaled_form(files, capsys) -> None:
    status, rows, _ = run(capsys, "embed", "--raw", "--modality", "audio", str(files / "sound.wav"))
    assert status == 0 and np.linalg.norm(rows[0]["embedding"]) == pytest.approx(20.0, rel=1e-4)


def test_embed_bad_input_exits_2_with_the_message(files, capsys) -> None:
    (files / "broken.png").write_bytes(b"not a png")
    status, rows, err = run(capsys, "embed", str(files / "broken.png"))
    assert status == 2 and rows == [] and "broken.png" in err
    status, _, err = run(capsys, "embed", str(files / "mystery.xyz"))
    assert status == 2 and "--modality" in err


def test_classify_prints_the_labels_ranked_as_the_engine_scores_them(files, capsys) -> None:
    labels = ["a dog", "a red car", "a kettle"]
    status, rows, _ = run(capsys, "classify", str(files / "one.png"), "--labels", *labels, "--json")
    assert status == 0 and rows[0]["file"].endswith("one.png") and rows[0]["modality"] == "image"
    ranked = rows[0]["results"]
    assert sorted(r["label"] for r in ranked) == sorted(labels)
    assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
    model = load_model(tiny_model_dir())
    pre = build_preprocessors()
    with torch.inference_mode():
        image = torch.nn.functional.normalize(model.encode("vision", pre["image"](files / "one.png")[None]), dim=-1)
        prompts = torch.stack([pre["text"](f"a photo of {label}.") for label in labels])
        texts = torch.nn.functional.normalize(model.encode("text", prompts), dim=-1)
    cosines = dict(zip(labels, (texts @ image[0]).tolist(), strict=True))
    for row in ranked:
        assert row["cosine"] == pytest.approx(cosines[row["label"]], abs=1e-4)

    status = main(["classify", str(files / "one.png"), "--labels", "a dog,a red car,a kettle", "--top", "2"])
    table = capsys.readouterr().out.splitlines()
    assert status == 0 and table[0].endswith("one.png (image)") and len(table) == 3
    assert [line.split()[0:2] for line in table[1:]] == [r["label"].split()[0:2] for r in ranked[:2]]


def test_classify_refuses_bad_labels_and_templates(files, capsys) -> None:
    status, _, err = run(capsys, "classify", str(files / "one.png"), "--labels", "a", "a")
    assert status == 2 and "duplicates" in err
    status, _, err = run(capsys, "classify", str(files / "one.png"), "--labels", "a", "--template", "no slot")
    assert status == 2 and "placeholder" in err


def test_missing_model_exits_2_with_instructions(files, capsys, monkeypatch) -> None:
    monkeypatch.setenv("BINDSPACE_MODEL", str(files / "no-model-here"))
    settings_from_env.cache_clear()
    status, _, err = run(capsys, "embed", str(files / "dog.txt"))
    assert status == 2 and "BINDSPACE_MODEL" in err
    assert main(["serve"]) == 2
    assert "BINDSPACE_MODEL" in capsys.readouterr().err


def test_index_add_search_and_stats(files, capsys) -> None:
    paths = [str(files / name) for name in ("dog.txt", "car.txt", "one.png", "two.png")]
    status, _, err = run(capsys, "index", "add", "things", *paths)
    assert status == 0 and "4/4" in err  # the progress bar reached the end
    status, stats, _ = run(capsys, "index", "stats")
    assert status == 0 and stats == [{"name": "things", "dimension": 48, "metric": "cosine", "index": "Flat",
                                      "count": 4, "counts_by_modality": {"text": 2, "image": 2}}]
    status, hits, _ = run(capsys, "index", "search", "things", "--text", "a red car", "-k", "2")
    assert status == 0 and len(hits) == 2
    assert hits[0]["id"] == str(files / "car.txt") and hits[0]["score"] == pytest.approx(1.0, abs=1e-4)
    assert hits[0]["metadata"] == {"path": str(files / "car.txt")}
    status, hits, _ = run(capsys, "index", "search", "things", "--file", str(files / "two.png"), "-k", "1")
    assert hits[0]["id"] == str(files / "two.png")
    status, _, err = run(capsys, "index", "search", "nothing", "--text", "x")
    assert status == 2 and "nothing" in err


def _idle_connection_closed_within(port: int, seconds: float) -> bool:
    """Whether the server closes a keep-alive connection left idle after one request."""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            chunk = sock.recv(4096)
            assert chunk, f"the server closed the connection before answering: {answer!r}"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        try:
            return sock.recv(4096) == b""
        except TimeoutError:
            return False


def test_serve_runs_the_service_on_the_configured_port(tmp_path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "BINDSPACE_MODEL": str(tiny_model_dir()),
           "BINDSPACE_DATA_DIR": str(tmp_path / "data"), "BINDSPACE_PORT": str(port), "BINDSPACE_LOG_LEVEL": "warning",
           "BINDSPACE_KEEP_ALIVE_S": "1"}
    process = subprocess.Popen([sys.executable, "-m", "bindspace.app", "serve"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        response = httpx.post(f"http://127.0.0.1:{port}/v1/embed", json={"modality": "text", "inputs": ["hello"]},
                             timeout=30)
        assert response.status_code == 200 and response.json()["dimension"] == 48
        # uvicorn's own default keeps an idle connection for 5 s; the setting makes it 1 s.
        assert _idle_connection_closed_within(port, 3.0)
    finally:
        process.terminate()
        assert process.wait(30) in (0, -signal.SIGTERM)  # uvicorn shuts down, then re-raises the signal


def test_commands_are_registered_from_one_tuple() -> None:
    assert all(callable(command.register) for command in COMMANDS)
    result = subprocess.run([sys.executable, "-m", "bindspace.app", "--help"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=120)
    assert result.returncode == 0
    for name in ("serve", "embed", "index"):
        assert name in result.stdout
