"""Preview media of collection items over HTTP: kept per the collection's option, served, deleted with the item."""

import io
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest
import soundfile
from PIL import Image

from bindspace.app.media_preview import preview_media
from bindspace.models.preprocess.limits import InputLimits
from live_server import LiveServer, data_uri, imu_csv_bytes, live_server, mp4_bytes, png_bytes, wav_bytes


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server()


def npy_bytes(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, values)
    return buffer.getvalue()


def fresh(http, name: str, media: str) -> None:
    http.delete(f"/v1/collections/{name}")
    created = http.post("/v1/collections", json={"name": name, "media": media})
    assert created.status_code == 201, created.text
    assert created.json()["media"] == media


def upsert(http, name: str, items: list[dict]) -> None:
    response = http.post(f"/v1/collections/{name}/items", json={"items": items})
    assert response.status_code == 200, response.text


def test_thumbnail_collection_keeps_a_preview_of_every_kind(http, server) -> None:
    fresh(http, "thumbs", "thumbnail")
    big_png = png_bytes(3, size=(640, 480))
    depth = np.linspace(0.5, 4.0, 60 * 80, dtype=np.float32).reshape(60, 80)
    upsert(http, "thumbs", [
        {"id": "photo", "input": {"modality": "image", "data": data_uri(big_png, "image/png")}},
        {"id": "sound", "input": {"modality": "audio", "data": data_uri(wav_bytes(1, seconds=12.5), "audio/wav")}},
        {"id": "room", "input": {"modality": "depth", "data": data_uri(npy_bytes(depth), "application/x-npy")}},
        {"id": "walk", "input": {"modality": "imu", "data": data_uri(imu_csv_bytes(2), "text/csv")}},
        {"id": "note/1", "input": {"modality": "text", "text": "a dog on a beach"}},
        {"id": "clip", "input": {"modality": "video", "data": data_uri(mp4_bytes(4), "video/mp4")}},
        {"id": "raw", "vector": [1.0] * 48},
    ])
    photo = http.get("/v1/collections/thumbs/items/photo/media")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert "sandbox" in photo.headers["content-security-policy"]
    assert max(Image.open(io.BytesIO(photo.content)).size) == server.settings.thumbnail_side
    sound = http.get("/v1/collections/thumbs/items/sound/media")
    samples, rate = soundfile.read(io.BytesIO(sound.content))
    assert sound.headers["content-type"] == "audio/wav" and rate == 16000 and len(samples) == 10 * 16000
    room = Image.open(io.BytesIO(http.get("/v1/collections/thumbs/items/room/media").content))
    pixels = np.asarray(room)
    assert room.mode == "L" and room.size == (80, 60) and pixels.min() == 0 and pixels.max() == 255
    walk = http.get("/v1/collections/thumbs/items/walk/media")
    assert walk.headers["content-type"].startswith("text/csv") and walk.content == imu_csv_bytes(2)
    assert http.get("/v1/collections/thumbs/items/note/1/media").text == "a dog on a beach"
    poster = http.get("/v1/collections/thumbs/items/clip/media")
    assert poster.headers["content-type"] == "image/jpeg" and Image.open(io.BytesIO(poster.content)).size == (64, 48)
    missing = http.get("/v1/collections/thumbs/items/raw/media")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_media"
    assert http.get("/v1/collections/thumbs/items/ghost/media").json()["error"]["code"] == "not_found"


def test_original_media_is_byte_identical_and_goes_with_the_item(http, server) -> None:
    fresh(http, "originals", "original")
    png = png_bytes(4)
    upsert(http, "originals", [{"id": "a", "input": {"modality": "image", "data": data_uri(png, "image/png")}},
                               {"id": "b", "input": {"modality": "image", "data": data_uri(png, "image/png")}}])
    media_dir = server.settings.data_dir / "collections" / "originals" / "media"
    assert len(list(media_dir.iterdir())) == 2
    answer = http.get("/v1/collections/originals/items/a/media")
    assert answer.content == png and answer.headers["content-type"] == "image/png"

    assert http.delete("/v1/collections/originals/items/a").status_code == 200
    assert http.get("/v1/collections/originals/items/a/media").status_code == 404
    upsert(http, "originals", [{"id": "b", "vector": [0.5] * 48}])  # replaced by an item without an input
    assert http.get("/v1/collections/originals/items/b/media").json()["error"]["code"] == "no_media"
    assert list(media_dir.iterdir()) == []
    assert http.delete("/v1/collections/originals").status_code == 204
    assert not media_dir.parent.exists()


def test_collections_without_media_keep_none(http, server) -> None:
    fresh(http, "plain", "none")
    upsert(http, "plain", [{"id": "a", "input": {"modality": "image", "data": data_uri(png_bytes(5), "image/png")}}])
    assert http.get("/v1/collections/plain/items/a/media").json()["error"]["code"] == "no_media"
    assert not (server.settings.data_dir / "collections" / "plain" / "media").exists()
    bad = http.post("/v1/collections", json={"name": "badmedia", "media": "everything"})
    assert bad.status_code == 422 and bad.json()["error"]["param"].endswith("media")


def test_originals_over_the_size_limit_become_thumbnails() -> None:
    png = png_bytes(6, size=(600, 400))
    kept = preview_media("image", png, "image/png", "original", len(png), 128, InputLimits())
    assert kept.data == png
    smaller = preview_media("image", png, "image/png", "original", len(png) - 1, 128, InputLimits())
    assert smaller.media_type == "image/jpeg" and Image.open(io.BytesIO(smaller.data)).size == (128, 85)
    assert preview_media("image", b"not an image", None, "thumbnail", 10_000, 128, InputLimits()) is None
    csv = imu_csv_bytes(1, rows=100)
    cut = preview_media("imu", csv, "text/csv", "original", 1024, 128, InputLimits())
    assert len(cut.data) <= 1024 and cut.data.endswith(b"\n") and csv.startswith(cut.data)
