"""The one settings object of the service and the CLI, read from `BINDSPACE_*` environment variables."""

from __future__ import annotations

import json
import os
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bindspace.index import IndexLimits
from bindspace.models.kinds import ENCODERS
from bindspace.models.preprocess.limits import InputLimits

DEFAULT_BATCH_SIZES = {name: spec.batch_size for name, spec in ENCODERS.items()}
DEFAULT_BATCH_WAIT_MS = {name: spec.batch_wait_ms for name, spec in ENCODERS.items()}


def usable_cpus() -> int:
    """CPU cores this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Every knob of bindspace's service and command line; each field is `BINDSPACE_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="BINDSPACE_", extra="ignore", frozen=True, env_parse_none_str="none")

    # The model.
    model: Path | None = Field(
        None,
        description="Model directory (as written by models.save_model), or the name of a model installed in "
        "the model store by `bindspace pull` / `bindspace convert`. Default: the bundled default model "
        "at models/weights/default/ inside the installed models package.",
    )
    model_dir: Path | None = Field(
        None,
        description="The model store, where `bindspace pull` and `bindspace convert` install models. Default: "
        "bindspace/models in the user's cache directory ($XDG_CACHE_HOME, else ~/.cache).",
    )
    model_name: str | None = Field(
        None, description="Name the API reports for the model (default: its `name`, else its directory name)."
    )
    precision: Literal["float32", "bfloat16", "float16"] = Field(
        "float32", description="Inference precision (bfloat16 runs matrix multiplies in bf16; weights stay float32)."
    )
    device: str = Field("cpu", description="Torch device for inference, e.g. cpu or cuda.")
    threads: int | None = Field(
        default_factory=lambda: max(1, usable_cpus() - 1), ge=1,
        description="Torch intra-op threads; the default leaves one core to HTTP and preprocessing; "
        "`none` keeps torch's own choice.",
    )
    preprocess_workers: int = Field(4, ge=1, description="Threads decoding and preprocessing inputs.")
    inference_process: bool = Field(
        True, description="Run the model in a worker process of its own, so that it never waits for the GIL "
        "held by request handling (false: in the server process; docs/performance.md has the figures)."
    )

    # The index.
    data_dir: Path = Field(Path("data"), description="Directory of the vector index (one process at a time).")
    umask: int = Field(0o077, ge=0, le=0o777,
                       description="File-creation mask of the service, octal (default 077: the data directory is "
                       "0700 and its files 0600, private to the service's user; 027 lets its group read).")
    max_metadata_bytes: int = Field(IndexLimits.max_metadata_bytes, ge=2,
                                    description="Largest metadata of one item, as compact JSON (422 beyond).")
    max_metadata_depth: int = Field(IndexLimits.max_metadata_depth, ge=1,
                                    description="Most levels of nested objects and arrays in one item's metadata.")
    max_index_memory_bytes: int = Field(
        IndexLimits.max_index_memory_bytes, ge=1 << 20,
        description="Most memory a collection's vector index may need before its first item, training included, "
        "as estimated from its index description when the collection is created (422 beyond).")
    max_index_item_bytes: int = Field(IndexLimits.max_index_item_bytes, ge=64,
                                      description="Most estimated vector-index memory per item of a collection.")

    # The server.
    host: str = Field("127.0.0.1", description="Address `bindspace serve` binds.")
    port: int = Field(8080, ge=1, le=65535, description="Port `bindspace serve` binds (Weaviate expects 8080).")
    workers: int = Field(1, ge=1, le=1, description="Server processes; the index is owned by one process, so 1.")
    keep_alive_s: int = Field(
        5, ge=1, description="Seconds an idle keep-alive connection stays open; keep it above any proxy's idle "
        "timeout in front of the service, or the proxy may reuse a connection the server is closing."
    )
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Bearer keys with every scope (admin: also create and drop collections), "
        "comma-separated; with these and the two below all empty, there is no authentication."
    )
    write_api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Bearer keys that may read and also add, replace and delete items.")
    read_api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Bearer keys that may only embed, classify, search and read.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS, comma-separated; `*` allows any."
    )
    log_format: Literal["text", "json"] = Field("text", description="`json` writes one JSON object per line.")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Logging level.")

    # Dynamic batching.
    batching: bool = Field(True, description="Merge concurrent requests into batches (false: one item per run).")
    batch_sizes: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_BATCH_SIZES),
        description="Largest batch per encoder, JSON; missing encoders keep their default.",
    )
    batch_wait_ms: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_BATCH_WAIT_MS),
        description="Longest wait of a batch for items still being preprocessed, per encoder, JSON, ms.",
    )
    queue_size: int = Field(256, ge=1, description="Items waiting per encoder modality before 429.")
    retry_after_s: int = Field(1, ge=1, description="Retry-After seconds sent with 429.")

    # Request limits.
    max_body_bytes: int = Field(32 * 1024 * 1024, ge=1024, description="Largest request body (413 beyond).")
    max_items_per_request: int = Field(256, ge=1, description="Most inputs or items in one request.")
    max_labels: int = Field(1000, ge=1, description="Most candidate labels in one classification request.")
    max_templates: int = Field(100, ge=1, description="Most hypothesis templates in one classification request.")
    max_prompts: int = Field(10_000, ge=1, description="Most labels x templates in one classification request.")
    label_cache_size: int = Field(4096, ge=0, description="Label-embedding LRU entries (0 disables the cache).")
    max_media_bytes: int = Field(8 * 1024 * 1024, ge=1024,
                                 description="Largest preview file a collection keeps per item (larger: a thumbnail).")
    thumbnail_side: int = Field(256, ge=16, le=4096, description="Longest side of image, video and map thumbnails.")

    # Input limits, passed to models.preprocess.InputLimits (same names; max_input_bytes is its max_bytes).
    max_input_bytes: int = Field(InputLimits.max_bytes, ge=1, description="Largest encoded input, except video.")
    max_video_bytes: int = Field(InputLimits.max_video_bytes, ge=1, description="Largest encoded video.")
    max_image_pixels: int = Field(InputLimits.max_image_pixels, ge=1,
                                  description="Most width x height of an image, depth map or thermal image.")
    max_image_side: int = Field(InputLimits.max_image_side, ge=1, description="Longest image or frame side.")
    max_pixels_in_flight: int = Field(
        InputLimits.max_pixels_in_flight, ge=1, description="Most image, depth and thermal pixels decoded at once "
        "across all requests; further images wait (bounds decoding memory under concurrent large images).")
    max_video_pixels: int = Field(InputLimits.max_video_pixels, ge=1, description="Most pixels of a video frame.")
    max_audio_seconds: float = Field(InputLimits.max_audio_seconds, gt=0, description="Longest audio recording.")
    max_audio_channels: int = Field(InputLimits.max_audio_channels, ge=1, description="Most audio channels.")
    max_video_seconds: float = Field(InputLimits.max_video_seconds, gt=0, description="Longest video.")
    max_imu_samples: int = Field(InputLimits.max_imu_samples, ge=1, description="Most IMU time steps.")
    max_text_chars: int = Field(InputLimits.max_text_chars, ge=1, description="Longest text in characters.")

    def input_limits(self) -> InputLimits:
        """The preprocessing limits configured here."""
        values = {f.name: getattr(self, f.name) for f in fields(InputLimits) if f.name != "max_bytes"}
        return InputLimits(max_bytes=self.max_input_bytes, **values)

    def index_limits(self) -> IndexLimits:
        """The index limits configured here (the others keep their defaults)."""
        names = {f.name for f in fields(IndexLimits)}
        return IndexLimits(**{name: getattr(self, name) for name in type(self).model_fields if name in names})

    @field_validator("api_keys", "write_api_keys", "read_api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("umask", mode="before")
    @classmethod
    def _octal(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return int(value.strip().removeprefix("0o"), 8)
            except ValueError as exc:
                raise ValueError(f"expected an octal mask such as 077, got {value!r}") from exc
        return value

    @field_validator("batch_sizes", "batch_wait_ms", mode="before")
    @classmethod
    def _json_dict(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"expected a JSON object such as {{\"text\": 64}}: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _complete_batch_settings(self) -> Settings:
        for name, defaults in (("batch_sizes", DEFAULT_BATCH_SIZES), ("batch_wait_ms", DEFAULT_BATCH_WAIT_MS)):
            given = getattr(self, name)
            unknown = sorted(set(given) - set(ENCODERS))
            if unknown:
                raise ValueError(f"{name}: unknown encoders {unknown}; expected {list(ENCODERS)}")
            if any(value < (1 if name == "batch_sizes" else 0) for value in given.values()):
                raise ValueError(f"{name}: values must be positive")
            object.__setattr__(self, name, {**defaults, **given})
        return self

    def batch_size(self, encoder: str) -> int:
        """The largest batch for an encoder (1 when batching is off)."""
        return self.batch_sizes[encoder] if self.batching else 1

    def batch_wait_s(self, encoder: str) -> float:
        """How long the first item of a batch may wait for more (0 when batching is off)."""
        return self.batch_wait_ms[encoder] / 1000.0 if self.batching else 0.0


@lru_cache
def settings_from_env() -> Settings:
    """The settings read from the environment once per process."""
    return Settings()
