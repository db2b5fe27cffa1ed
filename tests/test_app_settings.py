"""Settings from the environment, input limits passed down, and the label cache."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from dataclasses import fields

import numpy as np
import pytest
from pydantic import ValidationError

from bindspace.engine.label_cache import LabelCache
from bindspace.engine.model_source import DEFAULT_MODEL_DIR, ModelNotFoundError, resolve_model_dir
from bindspace.engine.settings import DEFAULT_BATCH_SIZES, Settings, usable_cpus
from bindspace.models.preprocess import InputLimits


def test_environment_variables_are_read(monkeypatch) -> None:
    monkeypatch.setenv("BINDSPACE_API_KEYS", "k1, k2")
    monkeypatch.setenv("BINDSPACE_CORS_ORIGINS", "https://a.example,https://b.example")
    monkeypatch.setenv("BINDSPACE_BATCH_SIZES", '{"text": 128}')
    monkeypatch.setenv("BINDSPACE_PORT", "9000")
    monkeypatch.setenv("BINDSPACE_MAX_IMAGE_PIXELS", "1234")
    settings = Settings()
    assert [key.get_secret_value() for key in settings.api_keys] == ["k1", "k2"]
    assert "k1" not in repr(settings)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.batch_sizes == {**DEFAULT_BATCH_SIZES, "text": 128}
    assert settings.port == 9000 and settings.input_limits().max_image_pixels == 1234


def test_bad_settings_are_refused_with_the_field_named(monkeypatch) -> None:
    monkeypatch.setenv("BINDSPACE_BATCH_SIZES", '{"smell": 4}')
    with pytest.raises(ValidationError, match="smell"):
        Settings()
    monkeypatch.setenv("BINDSPACE_BATCH_SIZES", "not json")
    with pytest.raises(ValidationError, match="JSON object"):
        Settings()


def test_batching_off_means_batches_of_one_without_waiting() -> None:
    settings = Settings(batching=False)
    assert settings.batch_size("text") == 1 and settings.batch_wait_s("text") == 0.0
    on = Settings(batch_wait_ms={"audio": 20})
    assert on.batch_size("text") == DEFAULT_BATCH_SIZES["text"] and on.batch_wait_s("audio") == pytest.approx(0.02)


def test_torch_threads_leave_a_core_free_unless_told_otherwise(monkeypatch) -> None:
    assert Settings().threads == max(1, usable_cpus() - 1)
    monkeypatch.setenv("BINDSPACE_THREADS", "none")
    assert Settings().threads is None
    monkeypatch.setenv("BINDSPACE_THREADS", "3")
    assert Settings().threads == 3


def test_every_input_limit_is_a_setting_with_the_same_default() -> None:
    assert Settings().input_limits() == InputLimits()
    for field in fields(InputLimits):
        name = "max_input_bytes" if field.name == "max_bytes" else field.name
        value = getattr(InputLimits(), field.name) * 2
        assert getattr(Settings(**{name: value}).input_limits(), field.name) == value, field.name


def test_model_directory_resolution(tmp_path) -> None:
    with pytest.raises(ModelNotFoundError, match="BINDSPACE_MODEL"):
        resolve_model_dir(tmp_path / "missing")
    (tmp_path / "config.json").write_text("{}")
    assert resolve_model_dir(tmp_path) == tmp_path
    if not DEFAULT_MODEL_DIR.is_dir():
        with pytest.raises(ModelNotFoundError, match="bindspace train-default"):
            resolve_model_dir(None)


def test_label_cache_is_a_bounded_lru() -> None:
    cache = LabelCache(2)
    cache.put("a", np.zeros(2))
    cache.put("b", np.ones(2))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", np.ones(2))
    assert cache.get("b") is None and cache.get("a") is not None and len(cache) == 2
    assert (cache.hits, cache.misses) == (2, 1)
    disabled = LabelCache(0)
    disabled.put("a", np.zeros(2))
    assert len(disabled) == 0
