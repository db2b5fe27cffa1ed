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


def test_memory_of_a_burst_of_large_images_goes_back_to_the_system() -> None:
    psutil = pytest.importorskip("psutil")
    side = 5000
    ramp = np.linspace(0, 255, side, dtype=np.float32)
    pixels = np.stack([np.broadcast_to(ramp[None, :], (side, side)), np.broadcast_to(ramp[:, None], (side, side)),
                       np.full((side, side), 128, np.float32)], axis=-1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    del pixels
    preprocess = build_preprocessors(InputLimits(max_pixels_in_flight=200_000_000))["image"]
    process = psutil.Process()
    preprocess(buffer.getvalue())  # first use: imports and caches that stay
    before = process.memory_info().rss
    workers = [threading.Thread(target=preprocess, args=(buffer.getvalue(),)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    grown = process.memory_info().rss - before
    assert grown < 150 << 20, f"{grown >> 20} MiB still held after four 25-megapixel decodes"
