"""The training benchmark's report: the emergent / text-paired table and what the anchor can carry."""

from bench.training_report import markdown

KINDS = ("audio", "depth", "thermal", "imu")


def test_report_compares_each_bound_kind_with_its_text_paired_bound_and_the_anchor_ceiling():
    emergent = {
        "items": 64, "classes": 32, "prompts_per_class": [8],
        "zero_shot": {kind: {"top1": 0.2, "top5": 0.5} for kind in ("image",) + KINDS},
        "class_means": {"image": 0.6, "text": 0.8, **{kind: 0.25 for kind in KINDS}},
        "retrieval": {f"{kind}->image": {"R@1": 0.01, "R@5": 0.05, "R@10": 0.1} for kind in KINDS},
    }
    paired = {kind: {"zero_shot": {"top1": 0.25, "top5": 0.6}, "class_means": 0.5} for kind in KINDS}
    text = markdown({"emergent": emergent, "text_paired": paired})
    # cap = 0.25 x 0.6 / 0.8 = 0.1875; 0.2 misses 0.9 x 0.25 but meets 0.9 x 0.1875
    assert "| audio | 0.200 | 0.250 | 0.80 | 0.187 | 1.07 | meets | 0.010 |" in text
    assert "image / captions = 0.600 / 0.800 = **0.75**" in text
    assert "| anchor: image / captions | 0.600 | 0.800 |" in text
    assert "| thermal | 0.250 | 0.500 |" in text
    assert "| text | 0.800 |" in text  # the full evaluation lists the captions' class means too
