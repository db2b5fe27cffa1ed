import json

import pytest

from bindspace.training.manifest import ManifestError, manifest_kinds, read_manifest


def write_lines(path, lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


@pytest.fixture
def pair_files(tmp_path):
    for name in ("a.png", "a.wav", "b.png", "b.wav"):
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


def test_reads_relative_paths_text_and_metadata(pair_files):
    manifest = write_lines(pair_files / "pairs.jsonl", [
        {"image": "a.png", "audio": "a.wav", "text": "a dog", "split": "train", "concept": "dog"},
        "",
        {"image": str(pair_files / "b.png"), "audio": "b.wav", "text": "a cat", "split": "val"},
    ])
    records = read_manifest(manifest, ["image", "audio"])
    assert [r.inputs["image"] for r in records] == [str(pair_files / "a.png"), str(pair_files / "b.png")]
    assert records[0].metadata["concept"] == "dog" and records[0].metadata["text"] == "a dog"
    assert records[1].line == 3
    val = read_manifest(manifest, ["audio", "text"], split="val")
    assert len(val) == 1 and val[0].inputs["text"] == "a cat"
    assert manifest_kinds(manifest) == ["image", "audio", "text"]


def test_missing_manifest(tmp_path):
    with pytest.raises(ManifestError, match="not found"):
        read_manifest(tmp_path / "nope.jsonl", ["image"])


def test_invalid_json_names_the_line(pair_files):
    manifest = write_lines(pair_files / "m.jsonl", [{"image": "a.png", "audio": "a.wav"}, "{not json"])
    with pytest.raises(ManifestError, match=r"m\.jsonl:2: invalid JSON"):
        read_manifest(manifest, ["image", "audio"])


def test_missing_key_names_it(pair_files):
    manifest = write_lines(pair_files / "m.jsonl", [{"image": "a.png"}])
    with pytest.raises(ManifestError, match=r":1: missing key\(s\) audio"):
        read_manifest(manifest, ["image", "audio"])


def test_missing_file_names_it(pair_files):
    manifest = write_lines(pair_files / "m.jsonl", [{"image": "a.png", "audio": "gone.wav"}])
    with pytest.raises(ManifestError, match="audio file not found: .*gone.wav"):
        read_manifest(manifest, ["image", "audio"])
    assert len(read_manifest(manifest, ["image", "audio"], check_files=False)) == 1


@pytest.mark.parametrize("line, message", [
    ([1, 2], "expected a JSON object"),
    ({"image": 3, "audio": "a.wav"}, "'image' must be a non-empty string"),
    ({"image": "", "audio": "a.wav"}, "'image' must be a non-empty string"),
])
def test_malformed_records(pair_files, line, message):
    manifest = write_lines(pair_files / "m.jsonl", [line])
    with pytest.raises(ManifestError, match=message):
        read_manifest(manifest, ["image", "audio"])


def test_unknown_kind_and_empty_selection(pair_files):
    manifest = write_lines(pair_files / "m.jsonl", [{"image": "a.png", "audio": "a.wav", "split": "train"}])
    with pytest.raises(ManifestError, match="unknown input kind"):
        read_manifest(manifest, ["smell"])
    with pytest.raises(ManifestError, match="no records with split 'test'"):
        read_manifest(manifest, ["image"], split="test")
