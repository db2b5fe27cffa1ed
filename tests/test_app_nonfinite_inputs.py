"""A NaN in a media input is a 422 naming that input on every route that embeds, never a null vector."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import io

import numpy as np
import pytest
import soundfile

from live_server import LiveServer, b64, data_uri, live_server, wav_bytes


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server()


def nan_wav() -> bytes:
    samples = np.sin(np.arange(16000) / 10.0).astype(np.float32)
    samples[8000] = np.nan
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, 16000, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


def assert_names(response, param: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["param"] == param and error["code"] == "invalid_input", error
    assert error["message"].startswith(f"{param}: audio: sample 8000") and "NaN or infinite" in error["message"]


def test_every_embedding_route_refuses_nan_audio_and_names_the_input(http) -> None:
    good, bad = data_uri(wav_bytes(), "audio/wav"), data_uri(nan_wav(), "audio/wav")
    assert_names(http.post("/v1/embed", json={"modality": "audio", "inputs": [good, bad]}), "inputs[1]")
    assert_names(http.post("/v1/embeddings", json={"model": "tiny-test", "modality": "audio", "input": [bad]}), "input[0]")
    assert_names(http.post("/v1/classify", json={"input": {"modality": "audio", "data": bad},
                                                 "candidate_labels": ["a", "b"]}), "input")
    upload = http.post("/v1/embed", data={"modality": "audio"},
                       files=[("file", ("x.wav", nan_wav(), "audio/wav"))])
    assert_names(upload, "file[0]")
    assert http.post("/v1/collections", json={"name": "nan-audio"}).status_code == 201
    upsert = http.post("/v1/collections/nan-audio/items", json={"items": [
        {"id": "a", "input": {"modality": "audio", "data": good}},
        {"id": "b", "input": {"modality": "audio", "data": bad}}]})
    assert_names(upsert, "items[1].input")
    vectorize = http.post("/vectorize", json={"audio": [b64(nan_wav())]})
    assert vectorize.status_code == 422 and vectorize.json()["error"].startswith("audio[0]: audio: sample 8000")
