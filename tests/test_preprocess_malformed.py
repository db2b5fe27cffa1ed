"""Malformed inputs of every modality raise InputError with a message naming the problem."""

import io
import json

import numpy as np
import pytest

from bindspace.models.errors import InputError
from bindspace.models.preprocess import InputLimits
from bindspace.models.kinds import build_preprocessors
from preprocess_samples import (
    FIXTURE,
    audio_bytes,
    image_bytes,
    index_frame,
    png_header_only,
    video_bytes,
    wav_claiming,
)

PHOTO = (FIXTURE / "preprocess" / "images" / "astronaut.jpg").read_bytes()
PNG = (FIXTURE / "preprocess" / "images" / "chelsea_wide.png").read_bytes()
WAV = (FIXTURE / "preprocess" / "audio" / "mono16k_5s.wav").read_bytes()
FLAC = (FIXTURE / "preprocess" / "audio" / "mono48k_12s.flac").read_bytes()


def tone(seconds: float, rate: int = 16_000, channels: int = 1) -> np.ndarray:
    wave = 0.3 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)
    return np.repeat(wave[:, None], channels, axis=1)


def mp4(num_frames: int = 30, width: int = 64, height: int = 48) -> bytes:
    return video_bytes(index_frame(width, height), num_frames=num_frames, fps=10)


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npy_header_only(shape: tuple[int, ...]) -> bytes:
    """An .npy header declaring a uint16 array of `shape`, without the data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<u2", "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def csv(rows: list[list[object]]) -> bytes:
    return "\n".join(",".join(str(cell) for cell in row) for row in rows).encode()


GOOD_ROW = [0.1, 0.2, 9.8, 0.01, 0.02, 0.03]

# (case id, input kind, source factory, InputLimits overrides, regex the message must match)
CASES = [
    ("image-empty", "image", lambda: b"", {}, r"image: empty input \(0 bytes\)"),
    ("image-wrong-magic", "image", lambda: b"GIF89-not-really" + b"\x00" * 100, {},
     r"not a recognised image format"),
    ("image-text", "image", lambda: b"hello, this is text", {}, r"not a recognised image format"),
    ("image-truncated-jpeg", "image", lambda: PHOTO[: len(PHOTO) // 3], {},
     r"image: cannot decode the image: .*truncated"),
    ("image-truncated-png", "image", lambda: PNG[: len(PNG) // 2], {}, r"image: cannot decode the image"),
    ("image-png-bomb-side", "image", lambda: png_header_only(100_000, 100_000), {},
     r"image: the image is larger than the limit of 50000000 pixels"),
    ("image-png-bomb-pixels", "image", lambda: png_header_only(12_000, 12_000), {},
     r"image: 12000x12000 = 144000000 pixels exceeds the 50000000 pixel limit"),
    ("image-too-many-bytes", "image", lambda: PHOTO, {"max_bytes": 1000},
     r"image: 68052 bytes exceeds the 1000 byte limit"),
    ("image-missing-path", "image", lambda: "/nonexistent/photo.jpg", {},
     r"image: cannot open '/nonexistent/photo.jpg'"),
    ("image-wrong-type", "image", lambda: 12345, {}, r"image: expected bytes or a file path, got int"),
    ("image-corrupt-webp", "image", lambda: image_bytes(np.zeros((64, 64, 3), np.uint8), "WEBP")[:40], {},
     r"image: cannot decode"),
    ("audio-empty", "audio", lambda: b"", {}, r"audio: empty input"),
    ("audio-wrong-magic", "audio", lambda: b"\x00\x01garbage" * 200, {}, r"audio: cannot decode the file"),
    ("audio-truncated-wav", "audio", lambda: WAV[: len(WAV) // 2], {}, r"audio: truncated WAV file"),
    ("audio-wav-claims-hours", "audio", lambda: wav_claiming(7200.0), {},
     r"audio: 7200\.0 s \(declared by the WAV header\) exceeds the 600 s limit"),
    ("audio-truncated-flac", "audio", lambda: FLAC[: len(FLAC) // 2], {},
     r"audio: cannot decode the file as audio \(corrupt, truncated"),
    ("audio-too-long", "audio", lambda: audio_bytes(tone(3.0), 16_000), {"max_audio_seconds": 2},
     r"audio: 3\.0 s \(declared by the WAV header\) exceeds the 2 s limit"),
    ("audio-too-long-flac", "audio", lambda: audio_bytes(tone(3.0), 16_000, "FLAC"), {"max_audio_seconds": 2},
     r"audio: 3\.0 s exceeds the 2 s limit"),
    ("audio-too-short", "audio", lambda: audio_bytes(tone(0.01), 16_000), {},
     r"audio: 0\.010 s is too short"),
    ("audio-too-many-channels", "audio", lambda: audio_bytes(tone(1.0, channels=9), 16_000), {},
     r"audio: 9 channels outside 1\.\.8"),
    ("audio-absurd-rate", "audio", lambda: audio_bytes(tone(1.0, rate=500), 500), {},
     r"audio: sample rate 500 Hz outside"),
    ("audio-image-bytes", "audio", lambda: PHOTO, {}, r"audio: cannot decode the file"),
    ("video-empty", "video", lambda: b"", {}, r"video: empty input"),
    ("video-garbage", "video", lambda: b"\x00\x00\x00\x18ftypisom" + b"\xff" * 500, {},
     r"video: cannot decode the file"),
    ("video-truncated-mp4", "video", lambda: (lambda data: data[: len(data) // 2])(mp4()), {},
     r"video: cannot decode the file"),
    ("video-audio-only", "video", lambda: WAV, {}, r"video: the file has no video stream"),
    ("video-too-long", "video", lambda: mp4(num_frames=40), {"max_video_seconds": 3},
     r"video: 4\.0 s exceeds the 3 s limit"),
    ("video-too-many-pixels", "video", lambda: mp4(width=320, height=240), {"max_video_pixels": 320 * 200},
     r"video: 320x240 frames exceed"),
    ("video-too-many-bytes", "video", lambda: mp4(), {"max_video_bytes": 100},
     r"video: \d+ bytes exceeds the 100 byte limit"),
    ("depth-empty", "depth", lambda: b"", {}, r"depth: empty input"),
    ("depth-20000-square-npy", "depth", lambda: npy_header_only((20_000, 20_000)), {},
     r"depth: 20000x20000 image exceeds the 16384 pixel side limit"),
    ("depth-png-bomb", "depth", lambda: png_header_only(20_000, 20_000), {},
     r"depth: the image is larger than the limit of 50000000 pixels"),
    ("depth-png-too-wide", "depth", lambda: png_header_only(20_000, 100), {},
     r"depth: 20000x100 image exceeds the 16384 pixel side limit"),
    ("depth-three-channels", "depth", lambda: npy(np.ones((10, 10, 3), np.float32)), {},
     r"depth: expected a 2-D depth array, got shape \(10, 10, 3\)"),
    ("depth-object-npy", "depth", lambda: npy(np.array([{"a": 1}], dtype=object)), {},
     r"depth: cannot read the \.npy array"),
    ("depth-truncated-npy", "depth", lambda: npy(np.ones((100, 100), np.float32))[:1000], {},
     r"depth: cannot read the \.npy array"),
    ("thermal-garbage", "thermal", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, {},
     r"thermal: not a recognised image format"),
    ("thermal-truncated-png", "thermal", lambda: PNG[:2000], {}, r"thermal: cannot decode the image"),
    ("thermal-nan-float", "thermal", lambda: image_bytes(np.full((8, 8), np.nan, np.float32), "TIFF"), {},
     r"thermal: the image holds NaN or infinite values"),
    ("imu-empty", "imu", lambda: b"", {}, r"imu: empty input"),
    ("imu-nan", "imu", lambda: csv([GOOD_ROW, [0.1, "nan", 9.8, 0, 0, 0]]), {},
     r"imu: non-finite value nan at sample 2, channel 2"),
    ("imu-inf", "imu", lambda: csv([GOOD_ROW, GOOD_ROW, [0.1, 0.2, "inf", 0, 0, 0]]), {},
     r"imu: non-finite value inf at sample 3, channel 3"),
    ("imu-non-numeric", "imu", lambda: csv([GOOD_ROW, [0.1, 0.2, "abc", 0, 0, 0]]), {},
     r"imu: non-numeric value 'abc' at data row 2, column 3"),
    ("imu-seven-columns", "imu", lambda: csv([GOOD_ROW + [1.0]] * 10), {},
     r"imu: expected 6 columns .*got 7"),
    ("imu-ragged", "imu", lambda: csv([GOOD_ROW, GOOD_ROW[:5]]), {},
     r"imu: rows have differing numbers of columns \[5, 6\]"),
    ("imu-one-row", "imu", lambda: csv([GOOD_ROW]), {}, r"imu: at least 2 samples are needed, got 1"),
    ("imu-header-only", "imu", lambda: b"ax,ay,az,gx,gy,gz\n", {}, r"imu: no samples"),
    ("imu-too-many-rows", "imu", lambda: csv([GOOD_ROW] * 60), {"max_imu_samples": 50},
     r"imu: 60 rows exceed the 50 sample limit"),
    ("imu-json-strings", "imu", lambda: json.dumps([GOOD_ROW, ["a"] * 6]).encode(), {},
     r"imu: non-numeric value 'a' in row 2"),
    ("imu-json-invalid", "imu", lambda: b"[[1, 2, 3,", {}, r"imu: invalid JSON"),
    ("imu-json-empty", "imu", lambda: b"[]", {}, r"imu: no samples \(empty JSON list\)"),
    ("imu-json-bad-object", "imu", lambda: json.dumps({"acc": [1, 2]}).encode(), {},
     r"imu: JSON object needs 'data', 'samples'"),
    ("imu-npy-3d", "imu", lambda: npy(np.zeros((2, 100, 6))), {},
     r"imu: expected a 2-D T x 6 matrix, got shape \(2, 100, 6\)"),
    ("imu-binary", "imu", lambda: b"\xff\xfe\x00garbage", {}, r"imu: not UTF-8 text, JSON or \.npy"),
    ("text-invalid-utf8", "text", lambda: b"caf\xc3(", {}, r"text: invalid UTF-8 at byte 3"),
    ("text-one-megabyte", "text", lambda: "a" * 1_000_000, {},
     r"text: 1000000 characters exceed the 16384 character limit"),
    ("text-surrogate", "text", lambda: "bad \ud800 surrogate", {},
     r"text: unpaired surrogate at character 4"),
    ("text-wrong-type", "text", lambda: 3.5, {}, r"text: expected str, UTF-8 bytes or a path, got float"),
]


def test_at_least_thirty_cases_cover_every_kind():
    assert len(CASES) >= 30
    assert {kind for _, kind, *_ in CASES} == {"image", "video", "text", "audio", "depth", "thermal", "imu"}


@pytest.mark.parametrize(
    "kind, make, limits, message", [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_rejected_with_input_error(kind, make, limits, message):
    preprocessor = build_preprocessors(InputLimits(**limits))[kind]
    with pytest.raises(InputError, match=message):
        preprocessor(make())
