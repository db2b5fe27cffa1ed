"""Video files to the vision encoder's input: a (15, 3, 2, 224, 224) float32 tensor.

Contract (the reference ImageBind recipe; 5 clips x 3 spatial crops, each (C, T, H, W)):

1. Decode the first video stream of any container FFmpeg reads (MP4, WebM, MKV, AVI, MOV, ...)
   with PyAV; audio is ignored. The stream's display rotation, when set, is applied.
2. With duration d of the video stream (its own duration, else its Matroska DURATION tag, else
   the container's), take 5 clips of 2 s: clip i covers [t_i, t_i + 2) s,
   t_i = i * max(d - 2, 0) / 5, times measured from the stream's first frame.
3. From the frames whose timestamps fall in a clip, take 2 uniformly in time: the first and the
   last. A clip without a frame of its own (a variable-rate gap, or past the end of a stream
   that is shorter than declared, e.g. a truncated WebM) uses the nearest earlier frame.
4. Scale pixels to [0, 1], resize each frame so its short side is 224 (long side
   floor(224 * long / short); bilinear with half-pixel centers and no antialiasing, as torch's
   `F.interpolate`), normalize with the CLIP mean/std (see `models.preprocess.image`).
5. Take 3 crops of 224 x 224 per clip along the long side: start, center (offset
   ceil((long - 224) / 2)) and end. Output index = clip * 3 + crop.

Only the frames the clips need are decoded: the decoder seeks to each clip (unless the next clip
is close enough to keep decoding), so a long video costs about as much as a short one. Limits:
`max_video_bytes`, `max_video_seconds`, `max_video_pixels` and `max_image_side` per frame.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import torch

from bindspace.models.errors import InputError
from bindspace.models.preprocess.finite import require_finite
from bindspace.models.preprocess.image import CLIP_MEAN, CLIP_STD, IMAGE_SIZE
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.source import Source, resolve_source

NUM_CLIPS = 5
CLIP_SECONDS = 2
NUM_CROPS = 3
SEEK_GAP_SECONDS = 2
"""Seek instead of decoding forward when the next clip starts further ahead than this."""


class VideoPreprocessor(Preprocessor):
    """Callable turning one video file (bytes or path) into (15, 3, 2, size, size) clips (size 224 by default)."""

    kind = "video"

    def __init__(
        self,
        limits: InputLimits | None = None,
        *,
        size: int = IMAGE_SIZE,
        mean: tuple[float, float, float] = CLIP_MEAN,
        std: tuple[float, float, float] = CLIP_STD,
    ) -> None:
        super().__init__(limits)
        self.size = size
        self._mean = np.array(mean, dtype=np.float32).reshape(3, 1, 1)
        self._std = np.array(std, dtype=np.float32).reshape(3, 1, 1)

    def __call__(self, source: Source) -> torch.Tensor:
        resolved = resolve_source(source, self.kind, self.limits.max_video_bytes)
        crops = np.stack(self._decode_crops(resolved))  # (clip, frame) order
        clips = crops.reshape(NUM_CLIPS, 2, NUM_CROPS, 3, self.size, self.size)
        clips = clips.transpose(0, 2, 3, 1, 4, 5).reshape(-1, 3, 2, self.size, self.size)
        return require_finite(torch.from_numpy(np.ascontiguousarray(clips)), self.kind)

    def _decode_crops(self, resolved: bytes | Path) -> list[np.ndarray]:
        """The (3, 3, 224, 224) crops of each clip's first and last frame, in clip order.

        Each picked frame is converted as soon as picking ends, so only one full-size RGB frame
        exists at a time.
        """
        try:
            file = io.BytesIO(resolved) if isinstance(resolved, bytes) else str(resolved)
            with av.open(file, mode="r") as container:
                if not container.streams.video:
                    raise InputError("video: the file has no video stream")
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                self._check_size(stream.codec_context.width, stream.codec_context.height)
                duration = _duration(container, stream)
                if duration > self.limits.max_video_seconds:
                    raise InputError(
                        f"video: {float(duration):.1f} s exceeds the "
                        f"{self.limits.max_video_seconds:g} s limit"
                    )
                frames = [frame for pair in _pick_frames(container, stream, clip_windows(duration))
                          for frame in pair]
                crops: dict[int, np.ndarray] = {}
                for frame in frames:
                    if id(frame) not in crops:
                        self._check_size(frame.width, frame.height)
                        crops[id(frame)] = self._frame_crops(resize_short_side(_rgb_array(frame), self.size))
                return [crops[id(frame)] for frame in frames]
        except InputError:
            raise
        except Exception as exc:  # PyAV raises FFmpeg errors and others on corrupt input
            raise InputError(
                f"video: cannot decode the file (corrupt, truncated or unsupported?): {exc}"
            ) from exc

    def _check_size(self, width: int, height: int) -> None:
        if width <= 0 or height <= 0:
            raise InputError(f"video: invalid frame size {width}x{height}")
        if max(width, height) > self.limits.max_image_side or (
            width * height > self.limits.max_video_pixels
        ):
            raise InputError(
                f"video: {width}x{height} frames exceed the limit of "
                f"{self.limits.max_video_pixels} pixels and {self.limits.max_image_side} per side"
            )

    def _frame_crops(self, frame: np.ndarray) -> np.ndarray:
        """(3, 3, size, size): the normalized start, center and end crops of one resized frame."""
        normalized = (frame - self._mean) / self._std
        return np.stack([
            normalized[:, top : top + self.size, left : left + self.size]
            for top, left in crop_offsets(*frame.shape[1:], self.size)
        ])


def resize_short_side(frame: np.ndarray, short: int = IMAGE_SIZE) -> np.ndarray:
    """(H, W, 3) uint8 -> (3, h, w) float32 in [0, 1] with short side `short` (224 by default).

    Bilinear interpolation with half-pixel centers and no antialiasing, i.e. torch's
    `F.interpolate(mode="bilinear", align_corners=False)`, done one axis at a time so that only
    the source rows the output needs are converted to float.
    """
    height, width = frame.shape[:2]
    if width < height:
        size = (math.floor(height / width * short), short)
    else:
        size = (short, math.floor(width / height * short))
    resized = _linear_along(_linear_along(frame, size[0], axis=0), size[1], axis=1)
    return resized.transpose(2, 0, 1) / np.float32(255)


def _linear_along(values: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Linear interpolation of `values` to `size` samples along `axis` (half-pixel centers)."""
    length = values.shape[axis]
    source = np.maximum((np.arange(size) + 0.5) * (length / size) - 0.5, 0)
    lower = source.astype(np.int64)
    upper = np.minimum(lower + 1, length - 1)
    weight = (source - lower).astype(np.float32)
    shape = [1] * values.ndim
    shape[axis] = size
    weight = weight.reshape(shape)
    low = np.take(values, lower, axis=axis).astype(np.float32)
    high = np.take(values, upper, axis=axis).astype(np.float32)
    return low * (1 - weight) + high * weight


def clip_windows(duration: Fraction) -> list[tuple[Fraction, Fraction]]:
    """The [start, end) times in seconds of the 5 clips of a video of `duration` seconds."""
    spacing = max(duration - CLIP_SECONDS, Fraction(0)) / NUM_CLIPS
    return [(spacing * index, spacing * index + CLIP_SECONDS) for index in range(NUM_CLIPS)]


def crop_offsets(height: int, width: int, size: int = IMAGE_SIZE) -> list[tuple[int, int]]:
    """(top, left) of the start, center and end `size` x `size` crops along the long side."""
    top = math.ceil((height - size) / 2)
    left = math.ceil((width - size) / 2)
    if height > width:
        return [(0, left), (top, left), (height - size, left)]
    return [(top, 0), (top, left), (top, width - size)]


def _duration(container: av.container.InputContainer, stream: av.video.VideoStream) -> Fraction:
    """The video stream's duration: its own, else its Matroska DURATION tag, else the container's."""
    if stream.duration is not None and stream.time_base is not None:
        return Fraction(stream.duration) * stream.time_base
    tag = _parse_duration_tag(stream.metadata.get("DURATION", ""))
    if tag is not None:
        return tag
    if container.duration is not None:
        return Fraction(container.duration, av.time_base)
    raise InputError("video: the container does not state the video's duration")


def _parse_duration_tag(tag: str) -> Fraction | None:
    """Seconds in an "HH:MM:SS.fraction" tag, or None if it is absent or malformed."""
    try:
        hours, minutes, seconds = tag.split(":")
        return Fraction(int(hours) * 3600 + int(minutes) * 60) + Fraction(seconds)
    except ValueError:
        return None


def _pick_frames(
    container: av.container.InputContainer,
    stream: av.video.VideoStream,
    windows: list[tuple[Fraction, Fraction]],
) -> list[list[av.VideoFrame]]:
    """Per window, the first and last decoded frame whose time falls in it.

    Walks the windows in order, decoding forward and seeking whenever the next window starts
    more than `SEEK_GAP_SECONDS` ahead. A window holding no frame gets the nearest earlier frame.
    """
    picks: list[list[av.VideoFrame | None]] = [[None, None] for _ in windows]
    pending = 0
    previous: av.VideoFrame | None = None
    position: Fraction | None = None
    while pending < len(windows):
        target = windows[pending][0]
        seek = position is None and target > SEEK_GAP_SECONDS
        seek = seek or (position is not None and target - position > SEEK_GAP_SECONDS)
        exhausted = True
        for time, frame in _frames_from(container, stream, target if seek else None):
            position = time
            for index in range(pending, len(windows)):
                start, end = windows[index]
                if start > time:
                    break
                if time < end:
                    if picks[index][0] is None:
                        picks[index][0] = frame
                    picks[index][1] = frame
            while pending < len(windows) and time >= windows[pending][1]:
                _fill_empty(picks[pending], frame if previous is None else previous)
                pending += 1
            previous = frame
            if pending == len(windows) or windows[pending][0] - time > SEEK_GAP_SECONDS:
                exhausted = False
                break
        if exhausted:
            if previous is None:
                raise InputError("video: no decodable frames")
            for pick in picks[pending:]:
                _fill_empty(pick, previous)
            pending = len(windows)
    return picks


def _frames_from(
    container: av.container.InputContainer,
    stream: av.video.VideoStream,
    target: Fraction | None,
) -> Iterator[tuple[Fraction, av.VideoFrame]]:
    """Decoded (time, frame) pairs, starting after a seek to `target` seconds (None: no seek).

    If the seek lands after the target (an imprecise index), decoding restarts from the stream's
    beginning so that no frame of the target window is skipped.
    """
    origin = stream.start_time or 0
    time_base = stream.time_base
    seeks = [target, Fraction(0)] if target is not None else [None]
    for seek_time in seeks:
        if seek_time is not None:
            container.seek(origin + math.floor(seek_time / time_base), stream=stream, backward=True)
        frames = container.decode(stream)
        first = next(frames, None)
        if first is None:
            continue
        first_time = _frame_time(first, origin, time_base)
        if seek_time is not None and seek_time > 0 and first_time > seek_time:
            continue
        yield first_time, first
        for frame in frames:
            yield _frame_time(frame, origin, time_base), frame
        return


def _frame_time(frame: av.VideoFrame, origin: int, time_base: Fraction) -> Fraction:
    stamp = frame.pts if frame.pts is not None else frame.dts
    if stamp is None:
        raise InputError("video: decoded frames carry no timestamps")
    return (stamp - origin) * time_base


def _fill_empty(pick: list[av.VideoFrame | None], frame: av.VideoFrame) -> None:
    if pick[0] is None:
        pick[0] = pick[1] = frame


def _rgb_array(frame: av.VideoFrame) -> np.ndarray:
    array = frame.to_ndarray(format="rgb24")
    turns = round(frame.rotation / 90) % 4
    return np.ascontiguousarray(np.rot90(array, turns)) if turns else array
