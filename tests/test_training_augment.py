import pytest
import torch

from bindspace.models import build_model
from bindspace.training.augment import random_resized_crop_flip
from bindspace.training.patch_dropout import encode_with_patch_dropout


def test_crop_keeps_shape_and_is_reproducible():
    image = torch.randn(3, 32, 32)
    first = random_resized_crop_flip(image, torch.Generator().manual_seed(4))
    again = random_resized_crop_flip(image, torch.Generator().manual_seed(4))
    other = random_resized_crop_flip(image, torch.Generator().manual_seed(5))
    assert first.shape == image.shape and torch.equal(first, again) and not torch.equal(first, other)


def test_full_crop_is_the_image_or_its_mirror():
    image = torch.randn(1, 8, 8)
    outcomes = [random_resized_crop_flip(image, torch.Generator().manual_seed(s), scale=(1.0, 1.0), ratio=(1.0, 1.0))
                for s in range(12)]
    assert all(torch.allclose(o, image) or torch.allclose(o, image.flip(-1)) for o in outcomes)
    assert any(torch.allclose(o, image.flip(-1)) for o in outcomes) and any(torch.allclose(o, image) for o in outcomes)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model("tiny", modalities=("vision", "text", "audio", "imu")).eval()


@pytest.mark.parametrize("modality, shape", [("vision", (2, 3, 224, 224)), ("audio", (2, 2, 1, 128, 204)),
                                             ("imu", (2, 6, 2000))])
def test_patch_dropout_reduces_to_encode_and_changes_outputs_when_dropping(model, modality, shape):
    torch.manual_seed(1)
    x = torch.randn(*shape)
    with torch.no_grad():
        full = model.encode(modality, x)
        assert torch.allclose(encode_with_patch_dropout(model, modality, x, 0.0), full, atol=1e-5)
        dropped = encode_with_patch_dropout(model, modality, x, 0.5)
    assert dropped.shape == full.shape and not torch.allclose(dropped, full, atol=1e-3)


def test_patch_dropout_refuses_text_and_bad_rates(model):
    with pytest.raises(ValueError, match="text"):
        encode_with_patch_dropout(model, "text", torch.zeros(1, 77, dtype=torch.long), 0.5)
    with pytest.raises(ValueError, match="patch dropout"):
        encode_with_patch_dropout(model, "imu", torch.zeros(1, 6, 2000), 1.0)
