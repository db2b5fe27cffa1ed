"""The registry of input kinds (bindspace.models.kinds): what it lists, and that every layer reads it."""

import dataclasses
import re
from pathlib import Path

import pytest

from bindspace.engine.settings import DEFAULT_BATCH_SIZES
from bindspace.models.kinds import (
    ENCODERS,
    KINDS,
    KindSpec,
    UnknownKindError,
    build_preprocessors,
    encoder_of,
    get_kind,
    kind_for_path,
    kind_names,
    register_kind,
    unregister_kind,
)
from bindspace.models.preprocess import (
    AudioPreprocessor,
    DepthPreprocessor,
    ImagePreprocessor,
    ImuPreprocessor,
    InputLimits,
    Preprocessor,
    VideoPreprocessor,
)

PACKAGES = [Path(__file__).resolve().parents[1] / name for name in ("app", "engine", "models", "training", "index")]


def test_kinds_and_encoders():
    assert kind_names() == ("image", "video", "text", "audio", "depth", "thermal", "imu")
    assert encoder_of("image") == encoder_of("video") == "vision"
    assert {encoder_of(k) for k in kind_names()} == set(ENCODERS) == {"vision", "text", "audio", "depth", "thermal", "imu"}
    assert DEFAULT_BATCH_SIZES == {name: spec.batch_size for name, spec in ENCODERS.items()}
    assert get_kind("video").batch_size == get_kind("image").batch_size == ENCODERS["vision"].batch_size


def test_every_kind_is_complete():
    limit_names = {field.name for field in dataclasses.fields(InputLimits)}
    for spec in KINDS.values():
        assert issubclass(spec.preprocessor, Preprocessor) and spec.preprocessor.kind == spec.name
        assert spec.media_types and all("{}" in t for t in spec.prompt_templates)
        assert set(spec.limits) <= limit_names, spec.name


def test_the_list_of_kinds_is_written_in_one_module():
    quoted = [rf"[\"']{kind}[\"']" for kind in ("image", "video", "text", "audio", "depth", "thermal", "imu")]
    pattern = re.compile(r",\s*".join(quoted))
    writers = [path for package in PACKAGES for path in package.rglob("*.py") if pattern.search(path.read_text())]
    assert writers == []


def test_unknown_kind_names_the_registered_ones():
    with pytest.raises(UnknownKindError, match="the kinds are image, video, text"):
        get_kind("smell")


def test_extensions_name_kinds():
    assert kind_for_path("a/B.JPG") == "image" and kind_for_path("x.wav") == "audio"
    assert kind_for_path("walk.csv") == "imu" and kind_for_path("depth.npy") is None


def test_registering_checks_encoder_and_extensions():
    with pytest.raises(ValueError, match="unknown encoder 'smell'"):
        register_kind(KindSpec("odour", "smell", AudioPreprocessor, ("audio/",)))
    with pytest.raises(ValueError, match=r"\.wav.*audio"):
        register_kind(KindSpec("clip", "audio", AudioPreprocessor, ("audio/",), (".wav",)))
    assert "clip" not in KINDS
    with pytest.raises(UnknownKindError):
        unregister_kind("clip")


def test_build_preprocessors_shares_limits_and_passes_options():
    limits = InputLimits(max_bytes=1000)
    preprocessors = build_preprocessors(limits, depth={"baseline_m": 0.05}, imu={"sample_rate": 50})
    assert tuple(preprocessors) == kind_names()
    for kind, preprocessor in preprocessors.items():
        assert preprocessor.kind == kind
        assert preprocessor.limits is limits
    assert isinstance(preprocessors["image"], ImagePreprocessor)
    assert isinstance(preprocessors["video"], VideoPreprocessor)
    assert isinstance(preprocessors["depth"], DepthPreprocessor)
    assert preprocessors["depth"].baseline_m == 0.05
    assert isinstance(preprocessors["imu"], ImuPreprocessor) and preprocessors["imu"].sample_rate == 50


def test_default_limits():
    preprocessors = build_preprocessors()
    assert all(p.limits == InputLimits() for p in preprocessors.values())


def test_unknown_option_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown input kinds"):
        build_preprocessors(sound={})


def test_limits_must_be_positive():
    for field in dataclasses.fields(InputLimits):
        with pytest.raises(ValueError, match=field.name):
            InputLimits(**{field.name: 0})
