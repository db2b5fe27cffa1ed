"""Audio files to the audio encoder's input: a (3, 1, 128, 204) float32 tensor (3 clips).

Contract (the reference ImageBind recipe):

1. Decode WAV, FLAC, OGG/Vorbis (and anything else libsndfile reads, e.g. MP3, AIFF) as float32
   in [-1, 1]; any sample rate (1 kHz to 384 kHz) and 1 to `max_audio_channels` channels.
2. Resample to 16 kHz with the windowed-sinc resampler of `models.preprocess.resample` (Hann
   window, 6 zero crossings, rolloff 0.99); the resampled length is ceil(n * 16000 / rate).
3. Take 3 clips of 2 s: with duration d = samples / 16000, clip i covers
   [t_i, t_i + 2) seconds, t_i = i * max(d - 2, 0) / 3, i.e. samples int(16000 t_i) up to
   int(16000 (t_i + 2)) (exact rational arithmetic). Audio shorter than 2 s gives 3 identical
   clips covering all of it.
4. Per clip: subtract the mean over all channels and samples, compute the Kaldi log-mel
   filterbank (`models.preprocess.fbank`, 128 bins) of the first channel (198 frames for 2 s),
   zero-pad or cut on the right to 204 frames, then normalize as (x + 4.268) / 9.138 (padding
   frames therefore hold 4.268 / 9.138).

Only the samples the three clips need are decoded (the file is seeked), so long recordings stay
cheap; the last sample is also read to detect truncated files, and a WAV whose header declares
more sample data than the file holds (which libsndfile would silently shorten), or a duration
beyond the limit, is rejected before decoding. Inputs shorter than one 25 ms frame (400 samples
at 16 kHz) are rejected.
"""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import soundfile
import torch

from bindspace.models.errors import InputError
from bindspace.models.preprocess.blas_threads import single_threaded_numpy_blas
from bindspace.models.preprocess.fbank import SAMPLE_RATE, log_mel_fbank, num_frames
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.finite import require_finite
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.resample import SincResampler
from bindspace.models.preprocess.source import Source, read_source
from bindspace.models.preprocess.wav_header import wav_data_chunk

NUM_CLIPS = 3
CLIP_SECONDS = 2
NUM_MEL_BINS = 128
TARGET_FRAMES = 204
FBANK_MEAN = -4.268
FBANK_STD = 9.138
MIN_RATE = 1_000
MAX_RATE = 384_000


class AudioPreprocessor(Preprocessor):
    """Callable turning one audio file (bytes or path) into (3, 1, 128, 204) log-mel clips."""

    kind = "audio"

    def __init__(self, limits: InputLimits | None = None) -> None:
        super().__init__(limits)
        single_threaded_numpy_blas()

    def __call__(self, source: Source) -> torch.Tensor:
        data = read_source(source, self.kind, self.limits.max_bytes)
        self._check_wav_header(data)
        try:
            with soundfile.SoundFile(io.BytesIO(data)) as file:
                resampler, spans = self._read_spans(file)
        except InputError:
            raise
        except Exception as exc:  # libsndfile reports corrupt data as several exception types
            # LibsndfileError's text names the in-memory file object; its error_string is libsndfile's reason.
            reason = str(getattr(exc, "error_string", "") or exc).rstrip(".")
            raise InputError(f"audio: cannot decode the file as audio (corrupt, truncated or not an audio "
                             f"format libsndfile reads: {reason})") from exc
        features = []
        for (start, stop, clips), (first, mixes) in spans:
            resampled = resampler(mixes, start, stop, offset=first)
            for clip_start, clip_stop in clips:
                clip = resampled[:, clip_start - start : clip_stop - start]
                features.append(clip_features(clip[0] - clip[-1].mean()))
        return require_finite(torch.from_numpy(np.stack(features)), self.kind)

    def _check_wav_header(self, data: bytes) -> None:
        chunk = wav_data_chunk(data)
        if chunk is None or not chunk.size_known:
            return
        if chunk.declared_seconds > self.limits.max_audio_seconds:
            raise InputError(
                f"audio: {chunk.declared_seconds:.1f} s (declared by the WAV header) exceeds "
                f"the {self.limits.max_audio_seconds:g} s limit"
            )
        if chunk.present_bytes < chunk.declared_bytes:
            raise InputError(
                f"audio: truncated WAV file: the header declares {chunk.declared_bytes} bytes "
                f"of samples but only {chunk.present_bytes} are present"
            )

    def _read_spans(
        self, file: soundfile.SoundFile
    ) -> tuple[SincResampler, list[tuple[Span, tuple[int, np.ndarray]]]]:
        """Check the stream, then read the input samples each span of overlapping clips needs.

        Returns the resampler to 16 kHz and, per span, the span and (index of its first input
        sample, those samples as `first_and_mean` rows).
        """
        rate, channels, length = file.samplerate, file.channels, file.frames
        if not MIN_RATE <= rate <= MAX_RATE:
            raise InputError(f"audio: sample rate {rate} Hz outside {MIN_RATE}..{MAX_RATE} Hz")
        if not 1 <= channels <= self.limits.max_audio_channels:
            raise InputError(
                f"audio: {channels} channels outside 1..{self.limits.max_audio_channels}"
            )
        if length <= 0:
            raise InputError("audio: no samples (zero length)")
        if length / rate > self.limits.max_audio_seconds:
            raise InputError(
                f"audio: {length / rate:.1f} s exceeds the {self.limits.max_audio_seconds:g} s limit"
            )
        resampler = SincResampler(rate, SAMPLE_RATE)
        resampled_length = resampler.output_length(length)
        if num_frames(resampled_length) == 0:
            raise InputError(
                f"audio: {length / rate:.3f} s is too short; at least one 25 ms frame is needed"
            )
        _read_exactly(file, length - 1, 1)
        spans = []
        for span in overlapping_spans(clip_bounds(resampled_length)):
            first, end = resampler.input_span(span[0], span[1])
            first, end = max(first, 0), min(end, length)
            spans.append((span, (first, first_and_mean(_read_exactly(file, first, end - first)))))
        return resampler, spans


Span = tuple[int, int, list[tuple[int, int]]]
"""Output samples [start, stop) covering a run of overlapping clips, and those clips' ranges."""


def overlapping_spans(bounds: list[tuple[int, int]]) -> list[Span]:
    """Clip ranges (in order of start) grouped into spans, so overlapping clips are resampled once."""
    spans: list[Span] = []
    for start, stop in bounds:
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], stop), spans[-1][2] + [(start, stop)])
        else:
            spans.append((start, stop, [(start, stop)]))
    return spans


def first_and_mean(block: np.ndarray) -> np.ndarray:
    """(n, channels) samples -> the first channel (1, n) when mono, else it and the channel mean
    (2, n): the features use the first channel, the mean removal all of them."""
    channels = block.shape[1]
    if channels == 1:
        return block.T
    weights = np.zeros((channels, 2), dtype=np.float32)
    weights[0, 0] = 1.0
    weights[:, 1] = 1.0 / channels
    return np.ascontiguousarray((block @ weights).T)


def clip_bounds(num_samples: int) -> list[tuple[int, int]]:
    """Sample ranges [start, stop) of the 3 clips of 2 s in a 16 kHz signal of `num_samples`."""
    duration = num_samples / SAMPLE_RATE
    spacing = Fraction(max(duration - CLIP_SECONDS, 0)) / NUM_CLIPS
    bounds = []
    for index in range(NUM_CLIPS):
        start = spacing * index
        stop = start + CLIP_SECONDS
        bounds.append((int(start * SAMPLE_RATE), min(int(stop * SAMPLE_RATE), num_samples)))
    return bounds


def clip_features(waveform: np.ndarray) -> np.ndarray:
    """(1, 128, 204) normalized log-mel features of one mean-removed 16 kHz clip."""
    fbank = log_mel_fbank(np.ascontiguousarray(waveform, dtype=np.float32), NUM_MEL_BINS).T
    frames = fbank.shape[1]
    if frames < TARGET_FRAMES:
        fbank = np.pad(fbank, ((0, 0), (0, TARGET_FRAMES - frames)))
    return ((fbank[:, :TARGET_FRAMES] - FBANK_MEAN) / FBANK_STD).astype(np.float32)[None]


def _read_exactly(file: soundfile.SoundFile, start: int, count: int) -> np.ndarray:
    file.seek(start)
    block = file.read(count, dtype="float32", always_2d=True)
    if block.shape[0] != count:
        raise InputError(
            f"audio: truncated file: expected {count} samples at {start}, decoded {block.shape[0]}"
        )
    finite = np.isfinite(block).all(axis=1)
    if not finite.all():
        bad = start + int(np.argmin(finite))
        raise InputError(f"audio: sample {bad} (at {bad / file.samplerate:.3f} s) is NaN or infinite; "
                         "only finite samples can be embedded")
    return block
