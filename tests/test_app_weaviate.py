"""The Weaviate multi2vec-bind drop-in, driven the way Weaviate's module drives it."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest
import torch

from bindspace.models import load_model
from bindspace.models.preprocess import InputLimits
from bindspace.models.kinds import build_preprocessors, encoder_of
from live_server import LiveServer, b64, imu_csv_bytes, live_server, mp4_bytes, png_bytes, tiny_model_dir, wav_bytes

VECTOR_KEYS = ["textVectors", "imageVectors", "audioVectors", "videoVectors", "imuVectors", "depthVectors",
               "thermalVectors"]


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server()


@pytest.fixture(scope="module")
def reference():
    """The tiny model and preprocessors in this process: raw outputs to compare with."""
    model = load_model(tiny_model_dir())
    preprocessors = build_preprocessors(InputLimits())

    def raw(kind: str, payload) -> np.ndarray:
        with torch.inference_mode():
            batch = preprocessors[kind](payload)[None]
            return model.encode(encoder_of(kind), batch)[0].float().numpy()

    return raw


MEDIA = {
    "texts": ("text", lambda seed: f"a sentence number {seed}"),
    "images": ("image", lambda seed: png_bytes(seed)),
    "audio": ("audio", lambda seed: wav_bytes(seed)),
    "video": ("video", lambda seed: mp4_bytes(seed)),
    "imu": ("imu", lambda seed: imu_csv_bytes(seed)),
    "depth": ("depth", lambda seed: png_bytes(seed, mode="I;16")),
    "thermal": ("thermal", lambda seed: png_bytes(seed, mode="L")),
}
RESPONSE_KEY = {"texts": "textVectors", "images": "imageVectors", "audio": "audioVectors", "video": "videoVectors",
                "imu": "imuVectors", "depth": "depthVectors", "thermal": "thermalVectors"}


def encode_field(field: str, payload) -> str:
    return payload if field == "texts" else b64(payload)


def test_all_seven_keys_in_request_order_with_raw_vectors(server, reference) -> None:
    payloads = {field: [make(seed) for seed in (1, 2)] for field, (_, make) in MEDIA.items()}
    body = {field: [encode_field(field, p) for p in values] for field, values in payloads.items()}
    with server.client() as client:
        response = client.post("/vectorize", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert sorted(result) == sorted(VECTOR_KEYS)
    for field, (kind, _) in MEDIA.items():
        vectors = np.array(result[RESPONSE_KEY[field]], dtype=np.float32)
        assert vectors.shape == (2, 48), field
        expected = np.stack([reference(kind, p) for p in payloads[field]])
        np.testing.assert_allclose(vectors, expected, atol=2e-5, rtol=1e-4, err_msg=field)
    # Raw, scaled vectors: the audio encoder's scale is 20, not unit length.
    assert np.allclose(np.linalg.norm(result["audioVectors"], axis=1), 20.0, rtol=1e-4)


@pytest.mark.parametrize("field", list(MEDIA))
def test_one_item_near_media_call_returns_exactly_one_vector(server, field) -> None:
    kind, make = MEDIA[field]
    with server.client() as client:
        result = client.post("/vectorize", json={field: [encode_field(field, make(7))]}).json()
    assert len(result[RESPONSE_KEY[field]]) == 1
    assert all(result[key] == [] for key in VECTOR_KEYS if key != RESPONSE_KEY[field])


def test_an_empty_request_still_has_every_key(server) -> None:
    with server.client() as client:
        assert client.post("/vectorize", json={}).json() == {key: [] for key in VECTOR_KEYS}


def test_imu_csv_columns_are_transposed_into_channels(server, reference) -> None:
    """Each CSV column is one channel: swapping two columns must change the vector like swapping channels."""
    rows = 2000
    t = np.linspace(0, 5, rows)
    columns = np.stack([np.sin(t * (k + 1)) for k in range(6)], axis=1)
    csv = "ax,ay,az,gx,gy,gz\n" + "\n".join(",".join(f"{v:.6f}" for v in row) for row in columns) + "\n"
    with server.client() as client:
        served = np.array(client.post("/vectorize", json={"imu": [b64(csv.encode())]}).json()["imuVectors"][0])
    np.testing.assert_allclose(served, reference("imu", csv.encode()), atol=2e-5, rtol=1e-4)
    # The same recording as a (6, T) tensor built by transposing: the encoder input the CSV must become.
    model = load_model(tiny_model_dir())
    with torch.inference_mode():
        direct = model.encode("imu", torch.tensor(columns.T, dtype=torch.float32)[None])[0].numpy()
    np.testing.assert_allclose(served, direct, atol=2e-5, rtol=1e-4)


def test_probes_and_meta(server) -> None:
    with server.client() as client:
        for path in ("/.well-known/live", "/.well-known/ready"):
            for method in ("GET", "HEAD"):
                response = client.request(method, path)
                assert response.status_code == 204 and response.content == b"", (method, path)
        meta = client.get("/meta").json()
    assert meta["model"] == "tiny-test" and meta["version"] == 1


def test_bad_input_is_a_4xx_with_weaviates_error_body(server) -> None:
    with server.client() as client:
        not_base64 = client.post("/vectorize", json={"images": ["this is not base64!"]})
        not_an_image = client.post("/vectorize", json={"images": [b64(b"definitely not a png")]})
        bad_csv = client.post("/vectorize", json={"imu": [b64(b"a,b\n1,2\n")]})
        wrong_type = client.post("/vectorize", json={"texts": "not a list"})
    assert not_base64.status_code == 400
    assert not_an_image.status_code == 422 and bad_csv.status_code == 422 and wrong_type.status_code == 422
    for response in (not_base64, not_an_image, bad_csv, wrong_type):
        body = response.json()
        assert list(body) == ["error"] and isinstance(body["error"], str) and body["error"]
