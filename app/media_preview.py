"""What a collection keeps to preview an item: its original file, or a small rendering of it.

`original` keeps the input's bytes when they fit `BINDSPACE_MAX_MEDIA_BYTES` and a thumbnail otherwise;
`thumbnail` always keeps a thumbnail: images and video posters as JPEG, depth and thermal maps as 8-bit
grayscale PNG stretched like the thermal preprocessor (the page colours them), audio as its first seconds
in mono 16-bit WAV, IMU recordings and texts cut to the size limit; kinds registered beyond these keep
their file as sent when it fits. Rendering happens after the input was embedded, so the bytes are known
to decode; a rendering that still fails keeps no media for that item.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

import numpy as np
import soundfile
from PIL import Image

from bindspace.index.media import StoredMedia
from bindspace.models.preprocess.image_file import high_bit_depth_array, open_image
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.npy_file import is_npy, load_npy
from bindspace.models.preprocess.thermal import stretch

log = logging.getLogger("bindspace.app")

AUDIO_PREVIEW_SECONDS = 10.0
GENERIC_MEDIA_TYPES = ("", "application/octet-stream")
SNIFFED_TYPES = ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
                 (b"RIFF", "audio/wav"), (b"fLaC", "audio/flac"), (b"OggS", "audio/ogg"),
                 (b"\x93NUMPY", "application/x-npy"))
DEFAULT_TYPES = {"text": "text/plain; charset=utf-8", "imu": "text/csv", "video": "video/mp4"}


def media_type_of(kind: str, data: bytes, declared: str | None) -> str:
    """The declared media type, else one recognised from the leading bytes, else the kind's usual one."""
    if declared and declared not in GENERIC_MEDIA_TYPES:
        return declared
    for magic, media_type in SNIFFED_TYPES:
        if data.startswith(magic):
            return media_type
    return DEFAULT_TYPES.get(kind, "application/octet-stream")


def preview_media(kind: str, data: bytes | str, declared: str | None, policy: str, max_bytes: int,
                  side: int, limits: InputLimits) -> StoredMedia | None:
    """The media to keep for one input under the collection's `policy`; None when nothing fits."""
    if policy == "none":
        return None
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fits = len(raw) <= max_bytes
    if kind not in THUMBNAILERS or (policy == "original" and fits):
        return StoredMedia(media_type_of(kind, raw, declared), raw) if fits else None
    try:
        media = THUMBNAILERS[kind](kind, raw, max_bytes, side, limits)
    except Exception as exc:  # any decoder failure only costs the preview, never the item
        log.warning("no %s preview kept: %s: %s", kind, type(exc).__name__, exc)
        return None
    return media if media is not None and len(media.data) <= max_bytes else None


def _image(kind: str, data: bytes, max_bytes: int, side: int, limits: InputLimits) -> StoredMedia:
    return _jpeg(open_image(data, kind, limits), side)


def _jpeg(image: Image.Image, side: int) -> StoredMedia:
    image = image.convert("RGB")
    image.thumbnail((side, side))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return StoredMedia("image/jpeg", buffer.getvalue())


def _video_poster(kind: str, data: bytes, max_bytes: int, side: int, limits: InputLimits) -> StoredMedia | None:
    import av

    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(video=0):
            return _jpeg(frame.to_image(), side)
    return None


def _grayscale_map(kind: str, data: bytes, max_bytes: int, side: int, limits: InputLimits) -> StoredMedia:
    if is_npy(data):
        values = np.squeeze(load_npy(data, kind)).astype(np.float32)
    else:
        image = open_image(data, kind, limits)
        values = high_bit_depth_array(image)
        if values is None:
            values = np.asarray(image.convert("L"), dtype=np.float32)
    values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    image = Image.fromarray((stretch(values) * 255).round().astype(np.uint8), mode="L")
    image.thumbnail((side, side))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return StoredMedia("image/png", buffer.getvalue())


def _audio_start(kind: str, data: bytes, max_bytes: int, side: int, limits: InputLimits) -> StoredMedia:
    with soundfile.SoundFile(io.BytesIO(data)) as file:
        rate = file.samplerate
        samples = file.read(int(AUDIO_PREVIEW_SECONDS * rate), dtype="float32", always_2d=True)
    buffer = io.BytesIO()
    soundfile.write(buffer, samples.mean(axis=1), rate, format="WAV", subtype="PCM_16")
    return StoredMedia("audio/wav", buffer.getvalue())


def _text_start(kind: str, data: bytes, max_bytes: int, side: int, limits: InputLimits) -> StoredMedia | None:
    """The leading whole lines (IMU rows, text) that fit `max_bytes`; an IMU `.npy` array whole or not at all."""
    if is_npy(data):
        return StoredMedia("application/x-npy", data) if len(data) <= max_bytes else None
    kept = data if len(data) <= max_bytes else data[: data.rfind(b"\n", 0, max_bytes) + 1]
    if kind == "text":
        return StoredMedia(DEFAULT_TYPES["text"], kept.decode("utf-8", errors="ignore").encode("utf-8"))
    return StoredMedia("text/csv", kept)


Thumbnailer = Callable[[str, bytes, int, int, InputLimits], StoredMedia | None]
THUMBNAILERS: dict[str, Thumbnailer] = {
    "image": _image, "video": _video_poster, "depth": _grayscale_map, "thermal": _grayscale_map,
    "audio": _audio_start, "imu": _text_start, "text": _text_start,
}
"""How each built-in kind is reduced to a thumbnail; other kinds keep their file as sent when it fits."""
