"""An input kind registered from this file alone reaches every route: a `.npy` log-mel spectrogram sent
straight to the audio encoder (kind `mel`), embedded, classified and stored in a collection."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import io

import numpy as np
import pytest
import torch

from live_server import LiveServer, data_uri, live_server, png_bytes, tiny_model_dir

from bindspace.models import load_model
from bindspace.models.errors import InputError
from bindspace.models.kinds import KindSpec, register_kind, unregister_kind
from bindspace.models.preprocess import Preprocessor
from bindspace.models.preprocess.audio import NUM_MEL_BINS, TARGET_FRAMES
from bindspace.models.preprocess.npy_file import is_npy, load_npy
from bindspace.models.preprocess.source import Source, read_source

TEMPLATE = "a spectrogram of {}."


class MelPreprocessor(Preprocessor):
    """A (128, 204) float32 `.npy` of normalised log-mel features, as one clip of the audio encoder."""

    kind = "mel"

    def __call__(self, source: Source) -> torch.Tensor:
        data = read_source(source, self.kind, self.limits.max_bytes)
        if not is_npy(data):
            raise InputError("mel: not a .npy file")
        features = np.asarray(load_npy(data, self.kind), dtype=np.float32)
        if features.shape != (NUM_MEL_BINS, TARGET_FRAMES):
            raise InputError(f"mel: expected shape ({NUM_MEL_BINS}, {TARGET_FRAMES}), got {features.shape}")
        return torch.from_numpy(features)[None, None]


@pytest.fixture(scope="module")
def server() -> LiveServer:
    register_kind(KindSpec("mel", "audio", MelPreprocessor, ("application/x-npy",), (".mel.npy",), (TEMPLATE,)))
    yield live_server(max_labels=17)  # settings of its own, so the app is built after the registration
    unregister_kind("mel")


def mel_npy(seed: int) -> bytes:
    features = np.random.default_rng(seed).standard_normal((NUM_MEL_BINS, TARGET_FRAMES)).astype(np.float32)
    buffer = io.BytesIO()
    np.save(buffer, features)
    return buffer.getvalue()


def mel_input(seed: int) -> dict:
    return {"modality": "mel", "data": data_uri(mel_npy(seed), "application/x-npy")}


def test_embed_sends_the_new_kind_to_its_encoder(http) -> None:
    response = http.post("/v1/embed", json={"modality": "mel", "inputs": [mel_input(1)["data"]]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["modality"] == "mel" and body["encoder"] == "audio"
    features = torch.from_numpy(np.load(io.BytesIO(mel_npy(1))))[None, None, None]
    with torch.inference_mode():
        expected = torch.nn.functional.normalize(load_model(tiny_model_dir()).encode("audio", features), dim=-1)[0]
    np.testing.assert_allclose(body["data"][0]["embedding"], expected.numpy(), atol=1e-4)


def test_the_new_kind_is_checked_like_any_other(http) -> None:
    wrong_type = http.post("/v1/embed", json={"modality": "mel", "inputs": [data_uri(png_bytes(), "image/png")]})
    assert wrong_type.status_code == 415 and "application/x-npy" in wrong_type.json()["error"]["message"]
    wrong_shape = http.post("/v1/embed", json={"modality": "mel", "inputs": [data_uri(png_bytes(), "")]})
    assert wrong_shape.status_code == 422 and "mel: not a .npy file" in wrong_shape.json()["error"]["message"]
    unknown = http.post("/v1/embed", json={"modality": "smell", "inputs": ["x"]})
    assert unknown.status_code in (400, 422) and "mel" in unknown.text


def test_classify_uses_the_kind_s_own_template(http) -> None:
    labels = ["rain", "a dog barking", "an engine"]
    default = http.post("/v1/classify", json={"input": mel_input(2), "candidate_labels": labels})
    explicit = http.post("/v1/classify", json={"input": mel_input(2), "candidate_labels": labels,
                                               "hypothesis_template": TEMPLATE})
    assert default.status_code == explicit.status_code == 200, default.text
    assert default.json()["modality"] == "mel"
    assert default.json()["results"] == explicit.json()["results"]
    other = http.post("/v1/classify", json={"input": mel_input(2), "candidate_labels": labels,
                                            "hypothesis_template": "the sound of {}."})
    assert other.json()["results"] != default.json()["results"]


def test_collections_store_and_find_the_new_kind(http) -> None:
    name = "spectrograms"
    http.delete(f"/v1/collections/{name}")
    assert http.post("/v1/collections", json={"name": name}).status_code == 201
    items = [{"id": f"m{seed}", "input": mel_input(seed), "metadata": {"seed": seed}} for seed in range(3)]
    upserted = http.post(f"/v1/collections/{name}/items", json={"items": items})
    assert upserted.status_code == 200, upserted.text
    hits = http.post(f"/v1/collections/{name}/search", json={"query": {"input": mel_input(2)}, "k": 3})
    assert hits.status_code == 200, hits.text
    best = hits.json()["results"][0]
    assert best["id"] == "m2" and best["modality"] == "mel" and best["score"] == pytest.approx(1.0, abs=1e-4)
    described = http.get(f"/v1/collections/{name}").json()
    assert described["counts_by_modality"] == {"mel": 3}
    http.delete(f"/v1/collections/{name}")
