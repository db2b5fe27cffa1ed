"""Bodies of the Weaviate multi2vec-bind inference API (`POST /vectorize`, `GET /meta`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bindspace.app.inputs import EXAMPLE_PNG_BASE64

# Request field -> (input kind, response field), in the order the response lists them.
VECTORIZE_FIELDS: dict[str, tuple[str, str]] = {
    "texts": ("text", "textVectors"),
    "images": ("image", "imageVectors"),
    "audio": ("audio", "audioVectors"),
    "video": ("video", "videoVectors"),
    "imu": ("imu", "imuVectors"),
    "depth": ("depth", "depthVectors"),
    "thermal": ("thermal", "thermalVectors"),
}


class VectorizeRequest(BaseModel):
    """Lists of inputs per modality, all optional; media are raw base64 of the file bytes."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"texts": ["a dog barking"], "images": [EXAMPLE_PNG_BASE64]}]},
    )

    texts: list[str] | None = None
    images: list[str] | None = None
    audio: list[str] | None = None
    video: list[str] | None = None
    imu: list[str] | None = Field(None, description="Base64 of a CSV: one header row, then rows of 6 numbers "
                                  "(accelerometer xyz, gyroscope xyz), one row per time step.")
    thermal: list[str] | None = None
    depth: list[str] | None = None


class VectorizeResponse(BaseModel):
    """All seven keys, always; the model's raw scaled vectors in request order."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "textVectors": [[0.1, 0.2]], "imageVectors": [[0.3, 0.4]], "audioVectors": [], "videoVectors": [],
            "imuVectors": [], "depthVectors": [], "thermalVectors": [],
        }]}
    )

    textVectors: list[list[float]]
    imageVectors: list[list[float]]
    audioVectors: list[list[float]]
    videoVectors: list[list[float]]
    imuVectors: list[list[float]]
    depthVectors: list[list[float]]
    thermalVectors: list[list[float]]


class MetaResponse(BaseModel):
    """What Weaviate shows as the module's metadata."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{"model": "default", "version": 1}]})

    model: str
    version: int = 1
