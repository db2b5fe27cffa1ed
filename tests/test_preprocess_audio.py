"""AudioPreprocessor, the sinc resampler and the Kaldi filterbank."""

import io
import math

import numpy as np
import pytest
import soundfile
import torch
from safetensors.torch import load_file
from threadpoolctl import threadpool_info

from bindspace.models.preprocess import AudioPreprocessor
from bindspace.models.preprocess.audio import FBANK_MEAN, FBANK_STD, clip_bounds, clip_features
from bindspace.models.preprocess.fbank import log_mel_fbank, num_frames
from bindspace.models.preprocess.resample import ROLLOFF, ZERO_CROSSINGS, SincResampler
from preprocess_samples import FIXTURE, audio_bytes

AUDIO_DIR = FIXTURE / "preprocess" / "audio"
SIXTEEN_KHZ = ["mono16k_5s.wav", "short16k_0.8s.wav"]
RESAMPLED = ["mono48k_12s.flac", "mono8k_7s.wav", "stereo44k_3s.wav"]
PAD_VALUE = -FBANK_MEAN / FBANK_STD


@pytest.fixture(scope="module")
def expected():
    return load_file(FIXTURE / "preprocess" / "expected.safetensors")


@pytest.fixture(scope="module")
def preprocess():
    return AudioPreprocessor()


def is_padding(features: torch.Tensor) -> torch.Tensor:
    return (features - PAD_VALUE).abs() < 1e-6


def tone(frequency: float, seconds: float, rate: int) -> np.ndarray:
    return 0.5 * np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate)


@pytest.mark.parametrize("name", SIXTEEN_KHZ)
def test_sixteen_khz_files_match_reference(name, expected, preprocess):
    result = preprocess(AUDIO_DIR / name)
    assert result.shape == (3, 1, 128, 204) and result.dtype == torch.float32
    assert (result - expected[f"audio/{name}"]).abs().max() <= 1e-3


@pytest.mark.parametrize("name", RESAMPLED)
def test_resampled_files_are_close_to_reference(name, expected, preprocess):
    difference = (preprocess(AUDIO_DIR / name) - expected[f"audio/{name}"]).abs()
    assert difference.mean() < 1e-4 and difference.max() < 5e-3


@pytest.mark.parametrize("name", SIXTEEN_KHZ + RESAMPLED)
def test_reference_embeddings(name, preprocess, reference_model):
    target = load_file(FIXTURE / "preprocess" / "expected_embeddings.safetensors")[f"audio/{name}"]
    with torch.no_grad():
        embedding = reference_model({"audio": preprocess(AUDIO_DIR / name)[None]})["audio"][0]
    assert torch.cosine_similarity(embedding, target, dim=0) >= 0.999


def test_clip_bounds_follow_reference_spacing():
    assert clip_bounds(80_000) == [(0, 32_000), (16_000, 48_000), (32_000, 64_000)]
    assert clip_bounds(12_800) == [(0, 12_800)] * 3
    assert clip_bounds(32_000) == [(0, 32_000)] * 3
    # 3 s: starts at 0, 1/3 s and 2/3 s, truncated to whole samples.
    assert clip_bounds(48_000) == [(0, 32_000), (5_333, 37_333), (10_666, 42_666)]


def test_short_clip_is_zero_padded_before_normalization(preprocess):
    result = preprocess(audio_bytes(tone(440, 0.8, 16_000), 16_000))
    frames = num_frames(12_800)
    assert frames == 78
    assert torch.all(is_padding(result[..., frames:]))
    assert not torch.any(is_padding(result[..., :frames]))
    assert torch.equal(result[0], result[1]) and torch.equal(result[1], result[2])


def test_two_second_clip_gives_198_frames_then_padding():
    features = torch.from_numpy(clip_features(tone(1000, 2, 16_000).astype(np.float32)))
    assert num_frames(32_000) == 198
    assert features.shape == (1, 128, 204) and features.dtype == torch.float32
    assert torch.all(is_padding(features[..., 198:]))


def test_fbank_tone_lands_in_the_right_mel_bin():
    fbank = log_mel_fbank(tone(1000, 1, 16_000).astype(np.float32))
    mel = 1127 * math.log1p(1000 / 700)
    low, high = 1127 * math.log1p(20 / 700), 1127 * math.log1p(8000 / 700)
    expected_bin = round((mel - low) / ((high - low) / 129)) - 1
    assert abs(int(fbank.mean(0).argmax()) - expected_bin) <= 1


def test_fbank_of_silence_is_the_log_floor():
    fbank = log_mel_fbank(np.zeros(16_000, np.float32))
    assert fbank.shape == (98, 128) and fbank.dtype == np.float32
    assert np.allclose(fbank, math.log(np.finfo(np.float32).eps))
    assert log_mel_fbank(np.zeros(399, np.float32)).shape == (0, 128)


def direct_resample(signal: np.ndarray, orig: int, new: int) -> np.ndarray:
    """The windowed-sinc formula evaluated term by term in float64 (slow, for checking)."""
    gcd = math.gcd(orig, new)
    orig, new = orig // gcd, new // gcd
    base = min(orig, new) * ROLLOFF
    length = -(-len(signal) * new // orig)
    m = np.arange(len(signal))
    out = np.empty(length)
    for n in range(length):
        t = np.clip(base * (m / orig - n / new), -ZERO_CROSSINGS, ZERO_CROSSINGS)
        window = np.cos(t * np.pi / (2 * ZERO_CROSSINGS)) ** 2
        out[n] = np.sum(signal * np.sinc(t) * window) * base / orig
    return out


@pytest.mark.parametrize("orig", [44_100, 48_000, 8_000, 22_050, 16_001, 11_025])
def test_resampler_matches_the_formula(orig):
    signal = np.random.default_rng(orig).standard_normal(700)
    resampler = SincResampler(orig, 16_000)
    length = resampler.output_length(len(signal))
    result = resampler(signal.astype(np.float32)[None], 0, length)[0]
    assert length == math.ceil(len(signal) * 16_000 / orig)
    assert np.abs(result - direct_resample(signal, orig, 16_000)).max() < 1e-4


def test_common_rates_use_the_polyphase_matrix_and_unusual_ones_gather_taps():
    # Both paths are checked against the formula above (44.1/48/22.05/8/11.025 kHz vs 16001 Hz).
    assert all(SincResampler(rate, 16_000).polyphase is not None for rate in (44_100, 48_000, 8_000))
    assert SincResampler(16_001, 16_000).polyphase is None


def test_preprocessing_keeps_numpy_blas_on_one_thread(preprocess):
    numpy_libs = [info for info in threadpool_info()
                  if info["user_api"] == "blas" and "numpy" in info["filepath"]]
    assert numpy_libs and all(info["num_threads"] == 1 for info in numpy_libs)


def test_resampler_windows_equal_the_full_output():
    signal = np.random.default_rng(0).standard_normal((2, 5000)).astype(np.float32)
    resampler = SincResampler(44_100, 16_000)
    full = resampler(signal, 0, resampler.output_length(5000))
    for start, stop in ((700, 1300), (0, 50), (1700, 1815)):
        first, end = resampler.input_span(start, stop)
        first, end = max(first, 0), min(end, 5000)
        window = resampler(signal[:, first:end], start, stop, offset=first)
        assert np.allclose(window, full[:, start:stop], atol=1e-6)


@pytest.mark.parametrize("orig", [44_100, 8_000, 48_000])
def test_resampler_keeps_tone_frequency_and_amplitude(orig):
    signal = tone(1000, 1, orig).astype(np.float32)[None]
    resampler = SincResampler(orig, 16_000)
    out = resampler(signal, 0, resampler.output_length(signal.shape[1]))[0, 1000:-1000]
    peak_hz = np.abs(np.fft.rfft(out)).argmax() * 16_000 / len(out)
    assert abs(peak_hz - 1000) < 2
    assert abs(np.abs(out).max() - 0.5) < 0.01


def test_resampler_is_identity_at_equal_rates():
    signal = np.random.default_rng(0).standard_normal((1, 1000)).astype(np.float32)
    assert np.array_equal(SincResampler(16_000, 16_000)(signal, 0, 1000), signal)


def test_seeked_clips_equal_a_full_decode(preprocess):
    rng = np.random.default_rng(1)
    signal = (rng.standard_normal((44_100 * 30, 2)) * 0.1).astype(np.float32)
    data = audio_bytes(signal, 44_100, "FLAC", "PCM_16")
    decoded, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    resampler = SincResampler(rate, 16_000)
    full = resampler(decoded.T.copy(), 0, resampler.output_length(len(decoded)))
    reference = torch.from_numpy(np.stack([
        clip_features(full[0, start:stop] - full[:, start:stop].mean())
        for start, stop in clip_bounds(full.shape[1])
    ]))
    assert (preprocess(data) - reference).abs().max() < 1e-4


def test_stereo_uses_first_channel_after_removing_the_overall_mean(preprocess):
    left = tone(440, 3, 16_000)
    mono = preprocess(audio_bytes(left, 16_000))
    assert torch.allclose(preprocess(audio_bytes(np.stack([left, left], 1), 16_000)), mono, atol=1e-5)
    noisy = np.stack([left, np.random.default_rng(0).uniform(-0.5, 0.5, left.shape)], 1)
    assert torch.allclose(preprocess(audio_bytes(noisy, 16_000)), mono, atol=1e-2)


@pytest.mark.parametrize(
    "fmt, subtype, rate",
    [("WAV", "PCM_24", 16_000), ("WAV", "FLOAT", 22_050), ("FLAC", "PCM_16", 32_000),
     ("OGG", "VORBIS", 44_100), ("WAV", "PCM_U8", 8_000)],
)
def test_formats_agree_with_sixteen_bit_wav(fmt, subtype, rate, preprocess):
    # Broadband content, so 8-bit quantization noise stays far below the signal in every mel bin.
    signal = tone(700, 4, rate) + 0.2 * np.random.default_rng(rate).uniform(-1, 1, 4 * rate)
    reference = preprocess(audio_bytes(signal, rate, "WAV", "PCM_16"))
    result = preprocess(audio_bytes(signal, rate, fmt, subtype))
    assert result.shape == (3, 1, 128, 204)
    assert torch.cosine_similarity(result.flatten(), reference.flatten(), dim=0) > 0.99
