"""ImuPreprocessor: formats, layout, sample rates, resampling and length contract, UCI-HAR windows."""

import io
import json

import numpy as np
import pytest
import torch

from bindspace.models.preprocess import ImuPreprocessor
from preprocess_samples import DATA

UCI = DATA / "uci_har_test"
UCI_CHANNELS = ["total_acc_x", "total_acc_y", "total_acc_z", "body_gyro_x", "body_gyro_y", "body_gyro_z"]


@pytest.fixture(scope="module")
def preprocess():
    return ImuPreprocessor()


@pytest.fixture(scope="module")
def uci_windows() -> np.ndarray:
    """(windows, 128, 6) UCI-HAR test windows: total acceleration xyz (g), body gyro xyz (rad/s)."""
    channels = [np.loadtxt(UCI / f"{name}_test.csv", delimiter=",", max_rows=40) for name in UCI_CHANNELS]
    return np.stack(channels, axis=-1)


def csv_bytes(rows: np.ndarray, header: str | None = None, separator: str = ",") -> bytes:
    lines = [separator.join(repr(float(v)) for v in row) for row in rows]
    return "\n".join(([header] if header else []) + lines).encode()


def random_rows(steps: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((steps, 6))


def test_model_rate_input_is_padded_with_zeros_at_the_end(preprocess):
    rows = random_rows(100)
    result = preprocess(csv_bytes(rows))
    assert result.shape == (6, 2000) and result.dtype == torch.float32
    assert torch.allclose(result[:, :100], torch.from_numpy(rows.T).float())
    assert torch.count_nonzero(result[:, 100:]) == 0


def test_long_input_is_cut_to_its_center(preprocess):
    rows = random_rows(3001)
    result = preprocess(csv_bytes(rows))
    assert torch.allclose(result, torch.from_numpy(rows[500:2500].T).float())


def test_resampling_keeps_a_sine_frequency(preprocess):
    rate, seconds, hertz = 100, 10, 3.0
    t = np.arange(rate * seconds) / rate
    rows = np.stack([np.sin(2 * np.pi * hertz * t)] * 6, axis=1)
    result = preprocess(csv_bytes(rows), sample_rate=rate)
    assert torch.count_nonzero(result[:, -10:]) > 0  # 4000 steps at 400 Hz, centre 2000 kept
    spectrum = np.abs(np.fft.rfft(result[0].numpy()))
    assert spectrum.argmax() * 400 / 2000 == pytest.approx(hertz)
    assert result[0].abs().max() == pytest.approx(1.0, abs=0.02)
    expected = np.sin(2 * np.pi * hertz * (np.arange(2000) / 400 + 2.5))  # centre starts at 2.5 s
    assert np.abs(result[0].numpy() - expected).max() < 0.02


def test_edges_are_not_dragged_to_zero(preprocess):
    rows = np.full((128, 6), 9.81)
    result = preprocess(csv_bytes(rows), sample_rate=50)
    # Zero-extended edges would fall towards 4.9; the filter's DC ripple is below 0.1 %.
    assert torch.allclose(result[:, :1024], torch.tensor(9.81), rtol=1e-3)
    assert torch.count_nonzero(result[:, 1024:]) == 0


def test_uci_har_window_as_csv(preprocess, uci_windows):
    window = uci_windows[0]
    header = ",".join(UCI_CHANNELS)
    result = preprocess(csv_bytes(window, header=header), sample_rate=50)
    # 128 samples at 50 Hz = 2.56 s = 1024 steps at 400 Hz, then zero padding.
    assert torch.count_nonzero(result[:, 1024:]) == 0
    upsampled_at_inputs = result[:, :1024:8].numpy().T
    assert np.corrcoef(upsampled_at_inputs.ravel(), window.ravel())[0, 1] > 0.99
    assert np.abs(result[:3, :1024].mean(dim=1).numpy() - window[:, :3].mean(axis=0)).max() < 0.01


def test_all_uci_har_sample_windows_preprocess(preprocess, uci_windows):
    for window in uci_windows:
        result = preprocess(csv_bytes(window), sample_rate=50)
        assert result.shape == (6, 2000) and torch.isfinite(result).all()


def test_formats_agree(preprocess):
    rows = random_rows(300, seed=3)
    expected = preprocess(csv_bytes(rows))
    buffer = io.BytesIO()
    np.save(buffer, rows.astype(np.float32))
    by_key = {key: rows[:, i].tolist() for i, key in enumerate(
        ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"])}
    sources = {
        "header": csv_bytes(rows, header="ax,ay,az,gx,gy,gz"),
        "semicolon": csv_bytes(rows, separator=";"),
        "tab": csv_bytes(rows, separator="\t"),
        "spaces": csv_bytes(rows, separator="  "),
        "crlf": csv_bytes(rows).replace(b"\n", b"\r\n") + b"\r\n",
        "blank lines, padded cells": b"\n \n" + csv_bytes(rows, header="ax,ay,az,gx,gy,gz")
        .replace(b",", b" , ").replace(b"\n", b"\n\n") + b"\n",
        "json rows": json.dumps(rows.tolist()).encode(),
        "json data": json.dumps({"data": rows.tolist()}).encode(),
        "json samples": json.dumps({"samples": rows.tolist()}).encode(),
        "json channels": json.dumps(by_key).encode(),
        "transposed": csv_bytes(rows.T),
        "npy": buffer.getvalue(),
    }
    for name, data in sources.items():
        assert torch.allclose(preprocess(data), expected, atol=1e-6), name


def test_path_input(preprocess, tmp_path):
    rows = random_rows(50)
    path = tmp_path / "imu.csv"
    path.write_bytes(csv_bytes(rows))
    assert torch.equal(preprocess(path), preprocess(csv_bytes(rows)))


def test_six_by_six_is_read_as_time_by_channels(preprocess):
    rows = random_rows(6)
    assert torch.allclose(preprocess(csv_bytes(rows))[:, :6], torch.from_numpy(rows.T).float())


def test_sample_rate_priority():
    rows = random_rows(400)
    with_rate = json.dumps({"data": rows.tolist(), "sample_rate": 100}).encode()
    plain = csv_bytes(rows)
    default = ImuPreprocessor(sample_rate=200)
    steps = lambda result: int(torch.count_nonzero(result[0]))  # noqa: E731
    assert steps(ImuPreprocessor()(plain)) == 400  # model rate, no resampling
    assert steps(default(plain)) == 800  # preprocessor default: 200 Hz
    assert steps(default(with_rate)) == 1600  # the file's own rate wins
    assert steps(default(with_rate, sample_rate=400)) == 400  # the call wins


def test_fractional_sample_rate(preprocess):
    rows = random_rows(500)
    assert int(torch.count_nonzero(preprocess(csv_bytes(rows), sample_rate=250.5)[0])) == 799


def test_unit_scales():
    rows = np.ones((10, 6))
    result = ImuPreprocessor(acc_scale=9.80665, gyro_scale=0.5)(csv_bytes(rows))
    assert torch.allclose(result[:3, :10], torch.tensor(9.80665))
    assert torch.allclose(result[3:, :10], torch.tensor(0.5))
