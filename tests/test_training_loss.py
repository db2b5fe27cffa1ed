import math

import pytest
import torch

from bindspace.training.loss import InfoNCELoss, symmetric_info_nce


def test_identity_pairs_known_value():
    a = torch.eye(2)
    # logits [[1, 0], [0, 1]]: each row and column gives -log(e / (e + 1)) = log(1 + e^-1)
    assert symmetric_info_nce(a, a.clone(), 1.0).item() == pytest.approx(math.log(1 + math.exp(-1)), abs=1e-6)


def test_swapped_pairs_known_value():
    a = torch.eye(2)
    b = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    assert symmetric_info_nce(a, b, 1.0).item() == pytest.approx(math.log(1 + math.e), abs=1e-6)


def test_matches_hand_computation_and_ignores_norms():
    a = torch.tensor([[3.0, 0.0, 0.0], [0.0, 0.5, 0.5], [1.0, 1.0, 0.0]])
    b = torch.tensor([[1.0, 1.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 4.0]])
    scale = 10.0
    cos = [[sum(x * y for x, y in zip(u, v)) / (math.dist(u, [0] * 3) * math.dist(v, [0] * 3)) for v in b.tolist()]
           for u in a.tolist()]
    rows = [-math.log(math.exp(scale * cos[i][i]) / sum(math.exp(scale * c) for c in cos[i])) for i in range(3)]
    cols = [-math.log(math.exp(scale * cos[j][j]) / sum(math.exp(scale * cos[i][j]) for i in range(3))) for j in range(3)]
    expected = (sum(rows) / 3 + sum(cols) / 3) / 2
    assert symmetric_info_nce(a, b, scale).item() == pytest.approx(expected, rel=1e-5)


def test_is_symmetric_in_its_arguments():
    torch.manual_seed(0)
    a, b = torch.randn(5, 8), torch.randn(5, 8)
    assert symmetric_info_nce(a, b, 7.0).item() == pytest.approx(symmetric_info_nce(b, a, 7.0).item(), rel=1e-6)


def test_fixed_temperature_is_a_buffer_and_learnable_one_gets_gradient():
    fixed = InfoNCELoss(0.05)
    assert list(fixed.parameters()) == []
    assert fixed.logit_scale.item() == pytest.approx(20.0)
    assert fixed.temperature == pytest.approx(0.05)

    learnable = InfoNCELoss(0.07, learnable=True)
    torch.manual_seed(0)
    learnable(torch.randn(4, 3), torch.randn(4, 3)).backward()
    assert learnable.log_logit_scale.grad is not None and learnable.log_logit_scale.grad.item() != 0.0


def test_logit_scale_is_clipped_at_maximum():
    loss = InfoNCELoss(0.001, learnable=True)
    assert loss.logit_scale.item() == pytest.approx(100.0)


@pytest.mark.parametrize("shapes", [((4, 3), (4, 2)), ((4,), (4,)), ((1, 3), (1, 3))])
def test_rejects_bad_shapes(shapes):
    with pytest.raises(ValueError):
        symmetric_info_nce(torch.randn(*shapes[0]), torch.randn(*shapes[1]), 1.0)


def test_rejects_non_positive_temperature():
    with pytest.raises(ValueError, match="temperature"):
        InfoNCELoss(0.0)
