"""build_preprocessors, INPUT_KINDS / ENCODER_FOR and InputLimits."""

import dataclasses

import pytest

from bindspace.models.preprocess import (
    ENCODER_FOR,
    INPUT_KINDS,
    DepthPreprocessor,
    ImagePreprocessor,
    ImuPreprocessor,
    InputLimits,
    VideoPreprocessor,
    build_preprocessors,
)


def test_kinds_and_encoders():
    assert INPUT_KINDS == ("image", "video", "text", "audio", "depth", "thermal", "imu")
    assert set(ENCODER_FOR) == set(INPUT_KINDS)
    assert ENCODER_FOR["image"] == ENCODER_FOR["video"] == "vision"
    assert {ENCODER_FOR[k] for k in INPUT_KINDS} == {"vision", "text", "audio", "depth", "thermal", "imu"}


def test_build_preprocessors_shares_limits_and_passes_options():
    limits = InputLimits(max_bytes=1000)
    preprocessors = build_preprocessors(limits, depth={"baseline_m": 0.05}, imu={"sample_rate": 50})
    assert tuple(preprocessors) == INPUT_KINDS
    for kind, preprocessor in preprocessors.items():
        assert preprocessor.kind == kind
        assert preprocessor.encoder == ENCODER_FOR[kind]
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
