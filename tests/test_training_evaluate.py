import json

import pytest
import torch

from bindspace.models import build_model
from bindspace.training.evaluate import evaluate_model, read_class_prompts, report_markdown
from bindspace.training.manifest import read_manifest


def test_class_prompts_from_a_corpus_concepts_file(tmp_path):
    path = tmp_path / "concepts.json"
    path.write_text(json.dumps({
        "concepts": [{"name": "dog", "prompts": ["a dog barking", "a photo of a dog"]}, {"name": "cat", "prompts": []}],
        "labels": ["dog", "cat"], "templates": ["a photo of a {}", "the sound of a {}"]}))
    assert read_class_prompts(path) == {
        "dog": ["a photo of a dog", "the sound of a dog", "a dog barking"],
        "cat": ["a photo of a cat", "the sound of a cat"],
    }


def test_class_prompts_from_labels_and_templates_or_a_mapping(tmp_path):
    path = tmp_path / "classes.json"
    path.write_text(json.dumps({"labels": ["walking"], "templates": ["a person {}"]}))
    assert read_class_prompts(path) == {"walking": ["a person walking"]}
    path.write_text(json.dumps({"walking": ["someone walking"], "sitting": ["someone sitting"]}))
    assert read_class_prompts(path) == {"walking": ["someone walking"], "sitting": ["someone sitting"]}


@pytest.mark.parametrize("content, message", [
    ("[1]", "expected a JSON object"), ("{not json", "cannot read"), ('{"dog": []}', "no prompts"),
    ('{"dog": "a dog"}', "list of prompt strings"), ("{}", "no classes"),
])
def test_class_prompt_errors(tmp_path, content, message):
    path = tmp_path / "classes.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_class_prompts(path)
    with pytest.raises(ValueError, match="not found"):
        read_class_prompts(tmp_path / "missing.json")


def test_report_covers_every_kind_and_ordered_pair(tmp_path):
    import numpy as np

    from bindspace.models.kinds import build_preprocessors

    lines = []
    for i in range(6):
        rows = np.random.default_rng(i).normal(size=(50, 6)) + i
        np.savetxt(tmp_path / f"{i}.csv", rows, delimiter=",")
        lines.append(json.dumps({"imu": f"{i}.csv", "text": f"item number {i}", "concept": ["up", "down"][i % 2]}))
    (tmp_path / "m.jsonl").write_text("\n".join(lines))
    torch.manual_seed(0)
    model = build_model("tiny", modalities=("text", "imu"))
    records = read_manifest(tmp_path / "m.jsonl", ["imu", "text"])
    report = evaluate_model(model, records, build_preprocessors(), kinds=["imu", "text"],
                            class_prompts={"up": ["going up"], "down": ["going down"]})
    assert report["items"] == 6 and report["classes"] == 2
    assert set(report["zero_shot"]) == {"imu"} and set(report["zero_shot"]["imu"]) == {"top1", "top5"}
    assert report["zero_shot"]["imu"]["top5"] == 1.0
    assert set(report["class_means"]) == {"imu", "text"}
    assert all(value in (0.0, 0.5, 1.0) for value in report["class_means"].values())
    assert set(report["retrieval"]) == {"imu->text", "text->imu"}
    assert all(0.0 <= v <= 1.0 for scores in report["retrieval"].values() for v in scores.values())
    assert report["retrieval"]["imu->text"]["R@10"] == 1.0
    markdown = report_markdown(report)
    assert "| imu |" in markdown and "| imu->text |" in markdown and "| text |" in markdown

    with pytest.raises(ValueError, match="without prompts"):
        evaluate_model(model, records, build_preprocessors(), kinds=["imu"], class_prompts={"up": ["going up"]})
