import math

import pytest
import torch

from bindspace.training.metrics import (
    class_mean_accuracy,
    ensemble_class_embeddings,
    retrieval_recall,
    zero_shot_accuracy,
)


def test_zero_shot_accuracy_on_hand_made_embeddings():
    classes = torch.eye(3)
    items = torch.tensor([[0.9, 0.1, 0.0],   # class 0, right
                          [0.2, 0.8, 0.3],   # class 1, right
                          [0.6, 0.0, 0.5],   # class 2, ranks second
                          [0.1, 0.2, 0.3]])  # class 0, ranks third
    labels = torch.tensor([0, 1, 2, 0])
    result = zero_shot_accuracy(items, classes, labels, ks=(1, 2, 3))
    assert result == {"top1": 0.5, "top2": 0.75, "top3": 1.0}


def test_zero_shot_uses_cosine_not_dot_product():
    classes = torch.tensor([[10.0, 0.0], [0.0, 1.0]])
    items = torch.tensor([[0.1, 1.0]])
    assert zero_shot_accuracy(items, classes, torch.tensor([1]), ks=(1,))["top1"] == 1.0


def test_class_means_average_away_what_items_do_not_share():
    classes = torch.eye(3)
    # every item of class 0 is nearer another class, but their mean points at class 0
    items = torch.tensor([[0.6, 0.8, 0.0],
                          [0.6, 0.0, 0.8],
                          [0.0, 1.0, 0.0],    # class 1, right
                          [0.0, 0.9, 0.1]])   # class 2, wrong, and so is its mean
    labels = torch.tensor([0, 0, 1, 2])
    assert zero_shot_accuracy(items, classes, labels, ks=(1,))["top1"] == 0.25
    assert class_mean_accuracy(items, classes, labels) == pytest.approx(2 / 3)
    # unit vectors are averaged: a long vector does not outvote the others
    assert class_mean_accuracy(torch.tensor([[100.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]),
                               classes, torch.tensor([1, 1, 1])) == 1.0
    with pytest.raises(ValueError, match="labels"):
        class_mean_accuracy(items, classes, labels[:2])


def test_retrieval_recall_on_hand_made_embeddings():
    gallery = torch.eye(4)
    queries = torch.tensor([[1.0, 0.0, 0.0, 0.0],
                            [0.0, 1.0, 0.0, 0.0],
                            [0.0, 0.9, 0.5, 0.0],   # its match ranks 2nd
                            [0.5, 0.4, 0.3, 0.1]])  # its match ranks 4th
    assert retrieval_recall(queries, gallery, ks=(1, 2, 3, 4)) == {"R@1": 0.5, "R@2": 0.75, "R@3": 0.75, "R@4": 1.0}


def test_ties_count_against_the_query():
    same = torch.ones(5, 3)
    assert retrieval_recall(same, same, ks=(1, 5))["R@1"] == 0.0
    assert retrieval_recall(same, same, ks=(1, 5))["R@5"] == 1.0


def test_prompt_ensembling_averages_unit_vectors():
    prompts = torch.tensor([[[2.0, 0.0], [0.0, 5.0]],
                            [[0.0, -1.0], [0.0, -3.0]]])
    result = ensemble_class_embeddings(prompts)
    assert torch.allclose(result, torch.tensor([[1 / math.sqrt(2), 1 / math.sqrt(2)], [0.0, -1.0]]))


def test_shape_errors_are_clear():
    with pytest.raises(ValueError, match="labels"):
        zero_shot_accuracy(torch.eye(3), torch.eye(3), torch.tensor([0, 1]))
    with pytest.raises(ValueError):
        retrieval_recall(torch.eye(3), torch.eye(4))
    with pytest.raises(ValueError):
        ensemble_class_embeddings(torch.eye(3))
