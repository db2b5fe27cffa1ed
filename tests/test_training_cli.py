import json

import pytest

from bindspace.app.cli import main


def test_train_reports_a_missing_manifest(tmp_path, capsys):
    status = main(["train", "--manifest", str(tmp_path / "none.jsonl"), "--bind", "audio", "--config", "tiny",
                   "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "out"), "--quiet"])
    assert status == 2
    assert "manifest not found" in capsys.readouterr().err


def test_train_needs_an_anchor_or_a_config(tmp_path, capsys):
    (tmp_path / "m.jsonl").write_text(json.dumps({"image": "a.png", "audio": "a.wav"}) + "\n")
    status = main(["train", "--manifest", str(tmp_path / "m.jsonl"), "--bind", "audio",
                   "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "out")])
    assert status == 2
    assert "--anchor" in capsys.readouterr().err


def test_eval_needs_one_data_source(tmp_path, capsys):
    assert main(["eval", str(tmp_path)]) == 2
    assert "exactly one of --corpus or --manifest" in capsys.readouterr().err


def test_corpus_writes_manifests_and_concepts(tmp_path, capsys):
    out = tmp_path / "corpus"
    assert main(["corpus", str(out), "--per-concept", "1", "--val-per-concept", "0", "--test-per-concept", "0",
                 "--concepts", "dog", "kettle", "--workers", "0"]) == 0
    lines = (out / "train" / "manifest.jsonl").read_text().splitlines()
    assert [json.loads(line)["concept"] for line in lines] == ["dog", "kettle"]
    assert all((out / "train" / json.loads(lines[0])[kind]).is_file() for kind in ("image", "audio", "imu"))
    assert json.loads((out / "concepts.json").read_text())["labels"] == ["dog", "kettle"]
    assert main(["corpus", str(out), "--per-concept", "1", "--concepts", "dog"]) == 2
    assert "not empty" in capsys.readouterr().err


def test_train_refuses_distinct_batches_larger_than_the_number_of_classes(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    assert main(["corpus", str(corpus), "--per-concept", "3", "--val-per-concept", "1", "--test-per-concept", "0",
                 "--concepts", "dog", "kettle", "--workers", "0"]) == 0
    capsys.readouterr()
    status = main(["train", "--manifest", str(corpus / "train" / "manifest.jsonl"),
                   "--val-manifest", str(corpus / "val" / "manifest.jsonl"), "--bind", "audio", "--config", "tiny",
                   "--distinct-key", "concept", "--batch-size", "3", "--steps", "1", "--warmup-steps", "0",
                   "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "out"), "--quiet"])
    assert status == 2
    assert "at least 3 groups" in capsys.readouterr().err
