"""IMU sample rate and units over HTTP, thermal .npy inputs, and the required `modality` of /v1/embed."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import io
import json

import numpy as np
import pytest
from PIL import Image

from live_server import LiveServer, data_uri, live_server

G = 9.80665


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server()


def recording(rows: int = 250, seed: int = 3) -> np.ndarray:
    """A 50 Hz-like recording: smooth motion plus noise, accelerometer in m/s^2, gyroscope in rad/s."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)[:, None] / 50.0
    return np.sin(2 * np.pi * np.array([0.5, 1.0, 1.5, 0.7, 1.3, 2.0]) * t) + 0.1 * rng.standard_normal((rows, 6))


def csv(values: np.ndarray) -> bytes:
    lines = ["ax,ay,az,gx,gy,gz"] + [",".join(f"{v:.6f}" for v in row) for row in values]
    return ("\n".join(lines) + "\n").encode()


def npy(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, values)
    return buffer.getvalue()


def embed(http, modality: str, data: bytes, media_type: str, **extra) -> np.ndarray:
    answer = http.post("/v1/embed", json={"modality": modality, "inputs": [data_uri(data, media_type)], **extra})
    assert answer.status_code == 200, answer.text
    return np.asarray(answer.json()["data"][0]["embedding"])


def test_the_imu_sample_rate_is_a_request_field_for_csv_and_npy(http) -> None:
    values = recording()
    stated = json.dumps({"sample_rate": 50, "data": values.round(6).tolist()}).encode()
    reference = embed(http, "imu", stated, "application/json")  # the rate stated inside a JSON recording
    from_csv = embed(http, "imu", csv(values), "text/csv", imu={"sample_rate": 50})
    from_npy = embed(http, "imu", npy(values.round(6)), "application/x-npy", imu={"sample_rate": 50})
    assert float(reference @ from_csv) > 0.9999 and float(reference @ from_npy) > 0.9999
    assumed_400 = embed(http, "imu", csv(values), "text/csv")
    assert float(reference @ assumed_400) < 0.999  # the documented default, 400 Hz, is a different reading
    upload = http.post("/v1/embed", data={"modality": "imu", "imu_sample_rate": "50"},
                       files=[("file", ("r.csv", csv(values), "text/csv"))])
    assert upload.status_code == 200 and float(reference @ np.asarray(upload.json()["data"][0]["embedding"])) > 0.9999


def test_imu_units_convert_g_and_degrees(http) -> None:
    values = recording()
    si = embed(http, "imu", csv(values), "text/csv")
    in_g = values.copy()
    in_g[:, :3] /= G
    in_g[:, 3:] *= 180 / np.pi
    converted = embed(http, "imu", csv(in_g), "text/csv", imu={"accel_unit": "g", "gyro_unit": "deg/s"})
    assert float(si @ converted) > 0.9999
    assert float(si @ embed(http, "imu", csv(in_g), "text/csv")) < 0.999


def test_imu_options_are_refused_for_other_kinds_and_out_of_range(http) -> None:
    wrong_kind = http.post("/v1/embed", json={"modality": "text", "inputs": ["x"], "imu": {"sample_rate": 50}})
    assert wrong_kind.status_code == 422 and wrong_kind.json()["error"]["param"] == "imu"
    too_fast = http.post("/v1/embed", json={"modality": "imu", "inputs": [data_uri(csv(recording()), "text/csv")],
                                            "imu": {"sample_rate": 1e9}})
    assert too_fast.status_code == 422 and "imu.sample_rate" in too_fast.json()["error"]["message"]
    bad_unit = http.post("/v1/embed", data={"modality": "imu", "imu_accel_unit": "furlongs"},
                         files=[("file", ("r.csv", csv(recording()), "text/csv"))])
    assert bad_unit.status_code == 422 and bad_unit.json()["error"]["param"] == "imu_accel_unit"


def test_collection_items_take_imu_options(http) -> None:
    values = recording()
    assert http.post("/v1/collections", json={"name": "imu-items"}).status_code == 201
    item = {"id": "walk", "input": {"modality": "imu", "data": data_uri(csv(values), "text/csv"),
                                    "imu": {"sample_rate": 50}}}
    assert http.post("/v1/collections/imu-items/items", json={"items": [item]}).status_code == 200
    stored = http.get("/v1/collections/imu-items/items/walk", params={"include_vector": True}).json()["vector"]
    expected = embed(http, "imu", csv(values), "text/csv", imu={"sample_rate": 50})
    assert float(np.asarray(stored) @ expected) > 0.9999


def test_a_thermal_npy_is_embedded_like_the_same_sixteen_bit_image(http) -> None:
    counts = np.random.default_rng(5).integers(20_000, 30_000, size=(96, 128), dtype=np.uint16)
    png = io.BytesIO()
    Image.fromarray(counts).save(png, format="PNG")
    from_png = embed(http, "thermal", png.getvalue(), "image/png")
    from_npy = embed(http, "thermal", npy(counts), "application/x-npy")
    assert float(from_png @ from_npy) > 0.9999
    kelvin = embed(http, "thermal", npy(counts.astype(np.float32)[None] / 100), "application/x-npy")
    assert float(from_png @ kelvin) > 0.9999  # the stretch is relative: any unit, (1, H, W) accepted
    line = data_uri(npy(np.zeros(10)), "application/x-npy")
    flat = http.post("/v1/embed", json={"modality": "thermal", "inputs": [line]})
    assert flat.status_code == 422 and "must be 2-D" in flat.json()["error"]["message"]


def test_embed_without_a_modality_is_422_naming_it(http) -> None:
    answer = http.post("/v1/embed", json={"inputs": ["a dog"]})
    assert answer.status_code == 422
    assert answer.json()["error"]["param"] == "modality"
