"""IMU recordings to the IMU encoder's input: a (6, 2000) float32 tensor (400 Hz, 5 s).

Contract:

- Channels, in order: accelerometer x, y, z, then gyroscope x, y, z. The model expects m/s^2 and
  rad/s (ImageBind's IMU data, Ego4D). A call's `accel_unit` (`m/s^2` or `g`) and `gyro_unit`
  (`rad/s` or `deg/s`) convert from those units; without them values are used as given, times the
  preprocessor's `acc_scale` / `gyro_scale` (default 1; for data in g pass `acc_scale=9.80665`).
- Layout: T x 6, rows are time steps. A 6 x T matrix is accepted and transposed when that is
  unambiguous (exactly 6 rows and not 6 columns); a 6 x 6 matrix is read as T x 6.
- Formats (detected from the content, not the file name):
  - CSV (comma, semicolon, tab or whitespace separated), optionally with one header row (a first
    row holding any non-numeric cell); header names are not interpreted.
  - JSON: a list of rows (`[[ax, ay, az, gx, gy, gz], ...]`); an object with the rows under
    `"data"` or `"samples"`; or an object with one list per channel under `"acc_x"`, `"acc_y"`,
    `"acc_z"`, `"gyro_x"`, `"gyro_y"`, `"gyro_z"`. Objects may give `"sample_rate"` in Hz.
  - NumPy `.npy`: a 2-D numeric array.
- Sample rate (1 Hz to 10 kHz, fractional allowed): the `sample_rate` argument of the call, else
  the file's `"sample_rate"`, else the preprocessor's `sample_rate`, else 400 Hz (the model's
  rate: no resampling, which is what Weaviate's 2000-row CSVs assume). Other rates are
  resampled to 400 Hz with the windowed-sinc resampler of `models.preprocess.resample`, the
  signal's first/last value extending it beyond its ends (no ringing from an implied step).
- Length: after resampling, a recording longer than 2000 steps is cut to its central 2000
  steps; a shorter one is zero-padded at the end (as the reference Weaviate container pads).
- Rejected: fewer than 2 samples, more than `max_imu_samples`, NaN or infinite values,
  non-numeric cells, rows of differing length, any column count other than 6.
"""

from __future__ import annotations

import io
import json
import math
import re
from fractions import Fraction

import numpy as np
import torch

from bindspace.models.errors import InputError
from bindspace.models.preprocess.blas_threads import single_threaded_numpy_blas
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.finite import require_finite
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.npy_file import is_npy, load_npy
from bindspace.models.preprocess.resample import SincResampler
from bindspace.models.preprocess.source import Source, read_source

MODEL_RATE = 400
NUM_STEPS = 2000
NUM_CHANNELS = 6
CHANNEL_KEYS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
ROWS_KEYS = ("data", "samples")
MIN_RATE = 1.0
MAX_RATE = 10_000.0
RATE_DENOMINATOR = 100
STANDARD_GRAVITY = 9.80665
ACCEL_UNITS = {"m/s^2": 1.0, "g": STANDARD_GRAVITY}
"""Accelerometer units a call may name, with their factor to m/s^2."""
GYRO_UNITS = {"rad/s": 1.0, "deg/s": math.pi / 180}
"""Gyroscope units a call may name, with their factor to rad/s."""
"""Fractional rates are approximated by a fraction with at most this denominator."""


class ImuPreprocessor(Preprocessor):
    """Callable turning one IMU recording (bytes or path) into a (6, 2000) tensor at 400 Hz."""

    kind = "imu"
    releases_gil = False  # parsing (NumPy's CSV reader, json) holds it

    def __init__(
        self,
        limits: InputLimits | None = None,
        *,
        sample_rate: float | None = None,
        acc_scale: float = 1.0,
        gyro_scale: float = 1.0,
    ) -> None:
        super().__init__(limits)
        self.sample_rate = sample_rate
        single_threaded_numpy_blas()
        self._scale = np.array([acc_scale] * 3 + [gyro_scale] * 3, dtype=np.float64)[:, None]

    def __call__(
        self,
        source: Source,
        sample_rate: float | None = None,
        accel_unit: str | None = None,
        gyro_unit: str | None = None,
    ) -> torch.Tensor:
        data = read_source(source, self.kind, self.limits.max_bytes)
        samples, file_rate = self._parse(data)
        rate = next(
            (r for r in (sample_rate, file_rate, self.sample_rate) if r is not None), MODEL_RATE
        )
        channels = self._check(samples) * self._units_scale(accel_unit, gyro_unit)
        return require_finite(torch.from_numpy(fit_length(resample_to_model_rate(channels, rate))), self.kind)

    def _units_scale(self, accel_unit: str | None, gyro_unit: str | None) -> np.ndarray:
        """Per-channel factors to m/s^2 and rad/s: from the named units, else the preprocessor's scales."""
        if accel_unit is None and gyro_unit is None:
            return self._scale
        scale = self._scale.copy()
        for unit, units, rows, what in ((accel_unit, ACCEL_UNITS, slice(0, 3), "accel_unit"),
                                        (gyro_unit, GYRO_UNITS, slice(3, 6), "gyro_unit")):
            if unit is None:
                continue
            if unit not in units:
                raise InputError(f"imu: {what} must be one of {', '.join(units)}, got {unit!r}")
            scale[rows] = units[unit]
        return scale

    def _parse(self, data: bytes) -> tuple[np.ndarray, float | None]:
        """The numeric matrix as stored and the sample rate the file states (or None)."""
        if is_npy(data):
            return load_npy(data, self.kind).astype(np.float64), None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"imu: not UTF-8 text, JSON or .npy ({exc.reason})") from exc
        if text.lstrip()[:1] in ("[", "{"):
            return _parse_json(text)
        return self._parse_csv(text), None

    def _parse_csv(self, text: str) -> np.ndarray:
        head, _, rest = text.lstrip().partition("\n")
        separator = _separator(head)
        body = text.lstrip() if all(_is_number(c) for c in _split(head, separator)) else rest
        if body.strip() and text.count("\n") <= self.limits.max_imu_samples:
            try:  # NumPy's C parser first; the row-by-row parser below names what is wrong
                return np.loadtxt(io.StringIO(body), delimiter=separator, comments=None, ndmin=2)
            except ValueError:
                pass
        return self._parse_csv_rows(text)

    def _parse_csv_rows(self, text: str) -> np.ndarray:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > self.limits.max_imu_samples + 1:
            raise InputError(
                f"imu: {len(lines)} rows exceed the {self.limits.max_imu_samples} sample limit"
            )
        if not lines:
            raise InputError("imu: no samples (empty CSV)")
        separator = _separator(lines[0])
        rows = [_split(line, separator) for line in lines]
        if not all(_is_number(cell) for cell in rows[0]):
            rows = rows[1:]
        if not rows:
            raise InputError("imu: no samples (the CSV has only a header row)")
        widths = {len(row) for row in rows}
        if len(widths) > 1:
            raise InputError(f"imu: rows have differing numbers of columns {sorted(widths)}")
        try:
            return np.array(rows, dtype=np.float64)
        except ValueError:
            bad = ((r, c, cell) for r, row in enumerate(rows) for c, cell in enumerate(row))
            row, column, cell = next((b for b in bad if not _is_number(b[2])), (0, 0, "?"))
            raise InputError(
                f"imu: non-numeric value {cell[:40]!r} at data row {row + 1}, column {column + 1}"
            ) from None

    def _check(self, samples: np.ndarray) -> np.ndarray:
        """(6, T) channels from a T x 6 (or unambiguous 6 x T) matrix, validated."""
        if samples.ndim != 2:
            raise InputError(f"imu: expected a 2-D T x 6 matrix, got shape {samples.shape}")
        if samples.shape[1] != NUM_CHANNELS and samples.shape[0] == NUM_CHANNELS:
            samples = samples.T
        steps, columns = samples.shape
        if columns != NUM_CHANNELS:
            raise InputError(
                f"imu: expected 6 columns (acc x,y,z, gyro x,y,z), got {columns} (shape {steps}x{columns})"
            )
        if steps < 2:
            raise InputError(f"imu: at least 2 samples are needed, got {steps}")
        if steps > self.limits.max_imu_samples:
            raise InputError(
                f"imu: {steps} samples exceed the {self.limits.max_imu_samples} sample limit"
            )
        bad = ~np.isfinite(samples)
        if bad.any():
            row, column = map(int, np.argwhere(bad)[0])
            raise InputError(
                f"imu: non-finite value {samples[row, column]} at sample {row + 1}, channel {column + 1}"
            )
        return samples.T


def resample_to_model_rate(channels: np.ndarray, rate: float) -> np.ndarray:
    """(6, T) channels at `rate` Hz -> (6, T') float32 at 400 Hz, at most the central 2000 steps."""
    if not (math.isfinite(rate) and MIN_RATE <= rate <= MAX_RATE):
        raise InputError(f"imu: sample rate {rate} Hz outside {MIN_RATE:g}..{MAX_RATE:g} Hz")
    signal = channels.astype(np.float32)
    if rate == MODEL_RATE:
        start = max(signal.shape[1] - NUM_STEPS, 0) // 2
        return signal[:, start : start + NUM_STEPS]
    ratio = Fraction(rate).limit_denominator(RATE_DENOMINATOR)
    resampler = SincResampler(ratio.numerator, MODEL_RATE * ratio.denominator)
    length = resampler.output_length(signal.shape[1])
    start = max(length - NUM_STEPS, 0) // 2
    stop = min(start + NUM_STEPS, length)
    return resampler(signal, start, stop, edge="replicate")


def fit_length(channels: np.ndarray) -> np.ndarray:
    """Zero-pad (6, T <= 2000) on the right to (6, 2000) float32."""
    padded = np.zeros((NUM_CHANNELS, NUM_STEPS), dtype=np.float32)
    padded[:, : channels.shape[1]] = channels
    return padded


def _parse_json(text: str) -> tuple[np.ndarray, float | None]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"imu: invalid JSON: {exc}") from exc
    rate = None
    if isinstance(document, dict):
        rate = document.get("sample_rate")
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float))):
            raise InputError(f"imu: sample_rate must be a number, got {rate!r}")
        rows_key = next((key for key in ROWS_KEYS if key in document), None)
        if rows_key is not None:
            document = document[rows_key]
        elif all(key in document for key in CHANNEL_KEYS):
            document = [_numeric_list(document[key], key) for key in CHANNEL_KEYS]
            if len({len(values) for values in document}) > 1:
                raise InputError("imu: channel lists have differing lengths")
            return np.array(document, dtype=np.float64).T.reshape(-1, NUM_CHANNELS), rate
        else:
            raise InputError(
                f"imu: JSON object needs 'data', 'samples' or the keys {', '.join(CHANNEL_KEYS)}"
            )
    if not isinstance(document, list) or not all(isinstance(row, list) for row in document):
        raise InputError("imu: JSON must be a list of rows (lists of numbers)")
    rows = [_numeric_list(row, f"row {index + 1}") for index, row in enumerate(document)]
    if not rows:
        raise InputError("imu: no samples (empty JSON list)")
    if len({len(row) for row in rows}) > 1:
        raise InputError("imu: JSON rows have differing lengths")
    return np.array(rows, dtype=np.float64), rate


def _numeric_list(values: object, where: str) -> list[float]:
    if not isinstance(values, list):
        raise InputError(f"imu: {where} must be a list of numbers")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"imu: non-numeric value {str(value)[:40]!r} in {where}")
    return values


def _separator(line: str) -> str | None:
    """The first of comma, semicolon and tab found in a CSV's first line; None for whitespace."""
    return next((sep for sep in (",", ";", "\t") if sep in line), None)


def _split(line: str, separator: str | None) -> list[str]:
    return [cell.strip() for cell in (line.split(separator) if separator else line.split())]


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(nan|inf|infinity)", re.IGNORECASE)


def _is_number(cell: str) -> bool:
    return _NUMBER.fullmatch(cell) is not None
