"""Serving a towers-family model: the model directory picks the model, its preprocessing and what /v1/models says."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from bindspace.app.main import create_app
from bindspace.engine.settings import Settings
from bindspace.models.kinds import build_preprocessors
from bindspace.models.tower_model import TowerModel, TowerModelConfig, load_pretrained_backbone, save_tower_model
from bindspace.models.tower_presets import minilm_efficientnet_config

QUALITY = {"coco_text_to_image_r1": "0.5"}


@pytest.fixture(scope="module")
def towers_dir(tmp_path_factory):
    config = minilm_efficientnet_config("lite0")
    model = TowerModel(TowerModelConfig.from_dict(config)).eval()
    for modality, tower in model.towers.items():
        load_pretrained_backbone(tower, config["towers"][modality])
    model.towers["vision"].head.class_embeddings.copy_(
        torch.nn.functional.normalize(torch.randn(1000, 384, generator=torch.Generator().manual_seed(0)), dim=-1))
    directory = tmp_path_factory.mktemp("towers-model")
    save_tower_model(model, directory, name="towers-test", quality=QUALITY)
    return directory, model, config


@pytest.fixture(scope="module")
def client(towers_dir, tmp_path_factory):
    directory, _, _ = towers_dir
    settings = Settings(model=directory, data_dir=tmp_path_factory.mktemp("data"), preprocess_workers=1,
                        log_level="warning", threads=None)
    with TestClient(create_app(settings)) as client:
        assert client.app.state.runtime.wait_ready(120), client.app.state.runtime.load_error
        yield client


def png_bytes() -> bytes:
    pixels = np.random.default_rng(0).integers(0, 255, size=(300, 400, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_models_endpoint_describes_the_towers_model_and_its_quality(client) -> None:
    card = client.get("/v1/models").json()["data"][0]
    assert card["id"] == "towers-test"
    assert card["encoders"] == ["vision", "text"] and card["dimension"] == 384
    assert set(card["input_kinds"]) >= {"image", "text"} and "audio" not in card["input_kinds"]
    assert card["quality"] == QUALITY


def test_text_goes_through_wordpiece_and_equals_the_tower(client, towers_dir) -> None:
    _, model, config = towers_dir
    texts = ["a dog runs on the grass", "Ünïcödé text with 東京"]
    served = client.post("/v1/embed", json={"modality": "text", "inputs": texts}).json()
    ids = build_preprocessors(**config["preprocessing"])["text"].batch(texts)
    with torch.inference_mode():
        expected = model.encode("text", ids)
    torch.testing.assert_close(torch.tensor([d["embedding"] for d in served["data"]]), expected, atol=1e-5, rtol=0)


def test_images_go_through_the_fast_preprocessing_and_equal_the_tower(client, towers_dir) -> None:
    _, model, config = towers_dir
    data = png_bytes()
    served = client.post("/v1/embed", json={"modality": "image", "inputs": [base64.b64encode(data).decode()]})
    assert served.status_code == 200, served.text
    image = build_preprocessors(**config["preprocessing"])["image"](data)
    with torch.inference_mode():
        expected = model.encode("vision", image[None])
    torch.testing.assert_close(torch.tensor(served.json()["data"][0]["embedding"])[None], expected, atol=1e-5, rtol=0)


def test_a_kind_without_a_tower_is_a_400(client) -> None:
    response = client.post("/v1/embed", json={"modality": "audio", "inputs": ["AAAA"]})
    assert response.status_code == 400
    assert "audio" in json.dumps(response.json())


def test_video_goes_through_the_image_tower_frame_by_frame(client, towers_dir) -> None:
    from live_server import mp4_bytes

    _, model, config = towers_dir
    data = mp4_bytes()
    served = client.post("/v1/embed", json={"modality": "video", "inputs": [base64.b64encode(data).decode()]})
    assert served.status_code == 200, served.text
    clips = build_preprocessors(**config["preprocessing"])["video"](data)  # (S, 3, T, 224, 224)
    frames = clips.permute(0, 2, 1, 3, 4).flatten(0, 1)
    with torch.inference_mode():
        expected = torch.nn.functional.normalize(model.encode("vision", frames).mean(dim=0), dim=-1)
    torch.testing.assert_close(torch.tensor(served.json()["data"][0]["embedding"]), expected, atol=1e-5, rtol=0)
