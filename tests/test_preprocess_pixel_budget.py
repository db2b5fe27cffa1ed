"""Decoded pixels in flight are bounded across threads: an image waits while the budget is taken."""

import io
import threading

import numpy as np
import pytest
from PIL import Image

from bindspace.models.kinds import build_preprocessors
from bindspace.models.preprocess import InputError, InputLimits
from bindspace.models.preprocess.pixel_budget import PixelBudget, declared_pixels, shared_budget


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((height, width, 3), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_holders_wait_until_the_budget_covers_them() -> None:
    budget = PixelBudget(100)
    order: list[str] = []
    finish = threading.Event()

    def second_holder() -> None:
        with budget.hold(60):
            order.append("second")
            finish.wait(5)

    with budget.hold(60):
        second = threading.Thread(target=second_holder)
        second.start()
        second.join(0.3)
        assert order == [] and budget.in_use == 60  # 60 + 60 > 100: it waits
        with budget.hold(40):  # still fits
            order.append("small")
        order.append("release")
    while not order[-1] == "second":
        second.join(0.01)
    assert order == ["small", "release", "second"] and budget.in_use == 60
    finish.set()
    second.join(5)
    assert budget.in_use == 0


def test_an_image_larger_than_the_budget_takes_it_whole() -> None:
    budget = PixelBudget(10)
    with budget.hold(1_000):
        assert budget.in_use == 10


def test_declared_pixels_come_from_headers() -> None:
    assert declared_pixels(png(30, 20)) == 600
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((1, 7, 9), dtype=np.float32))
    assert declared_pixels(buffer.getvalue()) == 63
    assert declared_pixels(b"not an image") == 0


@pytest.mark.parametrize("kind", ["image", "depth", "thermal"])
def test_preprocessors_share_the_process_budget(kind) -> None:
    limits = InputLimits(max_pixels_in_flight=5_000 + len(kind))  # a budget of this test's own
    preprocess = build_preprocessors(limits)[kind]
    done = threading.Event()
    worker = threading.Thread(target=lambda: (preprocess(png(60, 50)), done.set()))
    with shared_budget(limits.max_pixels_in_flight).hold(limits.max_pixels_in_flight):
        worker.start()
        assert not done.wait(0.3)  # 3000 pixels do not fit while the budget is taken
    assert done.wait(30)
    worker.join()


def test_a_pillow_bomb_message_quotes_only_the_configured_limit(monkeypatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    with pytest.raises(InputError) as caught:
        build_preprocessors(InputLimits(max_image_pixels=500_000))["image"](png(2_000, 2))
    assert str(caught.value) == ("image: the image is larger than the limit of 500000 pixels (width x height); "
                                 "send a smaller image")
