"""VideoPreprocessor on videos generated with PyAV: shapes, which frames are sampled, crops."""

import math
from fractions import Fraction

import numpy as np
import pytest
import torch

from bindspace.models.preprocess import VideoPreprocessor
from bindspace.models.preprocess.image import CLIP_MEAN, CLIP_STD
from bindspace.models.preprocess.video import _pick_frames, clip_windows, crop_offsets
from preprocess_samples import index_frame, read_index, video_bytes

MEAN = torch.tensor(CLIP_MEAN).view(3, 1, 1, 1)
STD = torch.tensor(CLIP_STD).view(3, 1, 1, 1)
CONTAINERS = [("mp4", "libx264"), ("webm", "libvpx-vp9"), ("matroska", "libx264"),
              ("avi", "mpeg4"), ("mov", "libx264")]


@pytest.fixture(scope="module")
def preprocess():
    return VideoPreprocessor()


def unnormalize(clips: torch.Tensor) -> torch.Tensor:
    """(15, 3, 2, H, W) back to [0, 1] pixel values."""
    return clips * STD + MEAN


def sampled_indices(clips: torch.Tensor) -> list[tuple[int, int]]:
    """Frame index shown by (first, last) frame of each of the 5 clips (center crop)."""
    gray = unnormalize(clips).mean(dim=1)  # (15, 2, H, W)
    return [
        (read_index(gray[clip * 3 + 1, 0].numpy()), read_index(gray[clip * 3 + 1, 1].numpy()))
        for clip in range(5)
    ]


def expected_indices(num_frames: int, fps: int) -> list[tuple[int, int]]:
    """First and last frame index inside each reference clip window [t, t + 2)."""
    windows = clip_windows(Fraction(num_frames, fps))
    result = []
    for start, end in windows:
        inside = [i for i in range(num_frames) if start <= Fraction(i, fps) < end]
        result.append((inside[0], inside[-1]))
    return result


@pytest.mark.parametrize("fmt, codec", CONTAINERS, ids=[fmt for fmt, _ in CONTAINERS])
def test_samples_first_and_last_frame_of_five_evenly_spread_clips(fmt, codec, preprocess):
    data = video_bytes(index_frame(320, 240), num_frames=80, fps=10, fmt=fmt, codec=codec)
    clips = preprocess(data)
    assert clips.shape == (15, 3, 2, 224, 224) and clips.dtype == torch.float32
    # 8 s: clips start at 0, 1.2, 2.4, 3.6, 4.8 s.
    assert expected_indices(80, 10) == [(0, 19), (12, 31), (24, 43), (36, 55), (48, 67)]
    assert sampled_indices(clips) == expected_indices(80, 10)


def test_video_shorter_than_a_clip_repeats_its_first_and_last_frame(preprocess):
    clips = preprocess(video_bytes(index_frame(96, 64), num_frames=12, fps=10))
    assert sampled_indices(clips) == [(0, 11)] * 5


def test_clip_in_a_variable_rate_gap_uses_the_nearest_earlier_frame(preprocess):
    # Frames 0-4 at 0.0-0.4 s, frames 5-9 at 9.0-9.4 s: clips 2-5 start inside the gap.
    timestamps = [0, 1, 2, 3, 4, 90, 91, 92, 93, 94]
    data = video_bytes(index_frame(96, 64), num_frames=10, fps=10, timestamps=timestamps)
    assert sampled_indices(preprocess(data)) == [(0, 4)] + [(4, 4)] * 4


def test_long_video_is_sampled_through_seeks(preprocess):
    # 200 s at 5 fps, keyframe every second: the clips lie 39.6 s apart.
    data = video_bytes(index_frame(64, 48, bits=10), num_frames=1000, fps=5, gop_size=5)
    gray = unnormalize(preprocess(data)).mean(dim=1)
    found = [(read_index(gray[c * 3 + 1, 0].numpy(), 10), read_index(gray[c * 3 + 1, 1].numpy(), 10))
             for c in range(5)]
    assert found == expected_indices(1000, 5)


class FakeFrame:
    def __init__(self, pts: int) -> None:
        self.pts = self.dts = pts


class FakeStream:
    start_time = 0
    time_base = Fraction(1, 30)


class FakeContainer:
    """A 30 fps stream of `num_frames` frames with a keyframe every `gop` frames; counts decodes."""

    def __init__(self, num_frames: int, gop: int) -> None:
        self.num_frames, self.gop = num_frames, gop
        self.position = 0
        self.decoded = 0

    def seek(self, offset: int, *, stream, backward: bool) -> None:
        self.position = max(0, min(offset, self.num_frames - 1)) // self.gop * self.gop

    def decode(self, stream):
        while self.position < self.num_frames:
            self.decoded += 1
            self.position += 1
            yield FakeFrame(self.position - 1)


def test_frame_picking_decodes_only_around_the_clips():
    container = FakeContainer(num_frames=30 * 3600, gop=60)
    windows = clip_windows(Fraction(3600))
    picks = _pick_frames(container, FakeStream(), windows)
    assert [(first.pts, last.pts) for first, last in picks] == [
        (math.ceil(30 * start), math.ceil(30 * end) - 1) for start, end in windows
    ]
    # Each clip costs its 60 frames plus at most one GOP before it.
    assert container.decoded <= 5 * (60 + 60 + 1)


def test_crops_start_center_end_along_the_long_side(preprocess):
    # 448 x 224: no resize; column x shows grey level x // 2.
    def gradient(index: int) -> np.ndarray:
        row = (np.arange(448) // 2).astype(np.uint8)
        return np.repeat(np.tile(row, (224, 1))[..., None], 3, axis=2)

    clips = unnormalize(preprocess(video_bytes(gradient, num_frames=30, fps=10))) * 255
    assert crop_offsets(224, 448) == [(0, 0), (0, 112), (0, 224)]
    for clip in range(5):
        for crop, left in enumerate((0, 112, 224)):
            columns = clips[clip * 3 + crop, :, :, 100:124].mean(dim=(0, 1, 2))
            expected = torch.arange(left, left + 224, dtype=torch.float32) // 2
            assert (columns - expected).abs().mean() < 2.5


def test_tall_video_is_cropped_vertically_and_resized(preprocess):
    draw = index_frame(120, 240)  # resized to 224 x 448; crops at top, middle and bottom
    clips = preprocess(video_bytes(draw, num_frames=20, fps=10))
    assert clips.shape == (15, 3, 2, 224, 224)
    assert crop_offsets(448, 224) == [(0, 0), (112, 0), (224, 0)]
    gray = unnormalize(clips).mean(dim=1)[:3, 0]  # clip 0, first frame (index 0: all black)
    assert gray.max() < 0.1


def test_display_rotation_is_applied(preprocess):
    def marked(index: int) -> np.ndarray:
        frame = np.zeros((224, 448, 3), np.uint8)
        frame[:, :224] = 255  # left half white
        return frame

    plain = unnormalize(preprocess(video_bytes(marked, num_frames=10, fps=10)))
    rotated = unnormalize(preprocess(video_bytes(marked, num_frames=10, fps=10, rotation=90)))
    # Unrotated: wide, the first crop is the white left half.
    assert plain[0].mean() > 0.9 and plain[2].mean() < 0.1
    # Rotated 90 degrees counter-clockwise for display: tall, the white half at the bottom.
    assert rotated[0].mean() < 0.1 and rotated[2].mean() > 0.9


def test_path_and_bytes_give_the_same_result(preprocess, tmp_path):
    data = video_bytes(index_frame(64, 48), num_frames=30, fps=10, fmt="webm", codec="libvpx-vp9")
    path = tmp_path / "clip.webm"
    path.write_bytes(data)
    assert torch.equal(preprocess(path), preprocess(data))
    assert torch.equal(preprocess(str(path)), preprocess(data))
