"""No preprocessor hands the model a NaN or an infinity: such input is an InputError naming the kind."""

import io

import numpy as np
import pytest
import soundfile
import torch

from bindspace.models.kinds import build_preprocessors
from bindspace.models.preprocess import InputError
from bindspace.models.preprocess.finite import require_finite


def float_wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples.astype(np.float32), rate, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_audio_with_a_non_finite_sample_is_refused_with_its_position(bad) -> None:
    samples = np.sin(np.arange(16000) / 10.0)
    samples[1600] = bad
    with pytest.raises(InputError, match=r"audio: sample 1600 \(at 0.100 s\) is NaN or infinite"):
        build_preprocessors()["audio"](float_wav(samples))


def test_imu_with_a_non_finite_value_is_refused() -> None:
    rows = "\n".join(["ax,ay,az,gx,gy,gz"] + ["0.1,0.2,9.8,0,0,0"] * 20 + ["nan,0.2,9.8,0,0,0"])
    with pytest.raises(InputError, match="imu: non-finite value"):
        build_preprocessors()["imu"](rows.encode())


@pytest.mark.parametrize("kind", ["image", "video", "audio", "depth", "thermal", "imu"])
def test_the_last_check_refuses_any_non_finite_tensor(kind) -> None:
    tensor = torch.zeros(3, 4)
    assert require_finite(tensor, kind) is tensor
    assert require_finite(torch.ones(2, dtype=torch.long), "text").dtype == torch.long
    tensor[1, 2] = float("nan")
    with pytest.raises(InputError, match=f"^{kind}: the input holds NaN or infinite values"):
        require_finite(tensor, kind)


def test_undecodable_audio_names_no_python_object() -> None:
    with pytest.raises(InputError) as caught:
        build_preprocessors()["audio"](b"this is not audio at all")
    message = str(caught.value)
    assert "object at 0x" not in message and "Format not recognised" in message
