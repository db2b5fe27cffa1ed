"""How a request says how to read its IMU recordings: the sample rate and units that CSV and .npy files
cannot carry. Without them a recording is taken to be at 400 Hz (the model's rate) in m/s^2 and rad/s."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bindspace.app.errors import ApiError


class ImuOptions(BaseModel):
    """Sample rate and units of IMU inputs; every field is optional."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"sample_rate": 50, "accel_unit": "g"}]})

    sample_rate: float | None = Field(
        None, ge=1, le=10_000, description="Samples per second of the recording, resampled to the model's 400 Hz. "
        "Default: the file's own `sample_rate` (JSON only), else 400 Hz (no resampling).")
    accel_unit: Literal["m/s^2", "g"] | None = Field(
        None, description="Unit of the three accelerometer columns. Default: m/s^2.")
    gyro_unit: Literal["rad/s", "deg/s"] | None = Field(
        None, description="Unit of the three gyroscope columns. Default: rad/s.")

    def preprocess_options(self) -> dict[str, Any]:
        """Keyword arguments of the IMU preprocessor for the fields that were given."""
        return {name: value for name, value in self.model_dump().items() if value is not None}


def imu_preprocess_options(kind: str, options: ImuOptions | None, param: str) -> dict[str, Any]:
    """The preprocessor keyword arguments of `options`; 422 naming `param` when they come with another kind."""
    if options is None:
        return {}
    if kind != "imu":
        raise ApiError(422, f"{param} describes IMU recordings; this request's modality is {kind}. Remove {param} "
                            "or send modality imu.", param=param, code="invalid_request")
    return options.preprocess_options()
