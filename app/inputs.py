"""How inputs travel over HTTP: plain text, raw base64, `data:` URIs and uploaded files, checked and decoded.

Every decoding problem is an `ApiError` naming the offending field: malformed base64 or data URI -> 400,
a media type the input kind cannot take -> 415. Sizes and contents are judged by the preprocessors
(`InputError` -> 422); the request body limit bounds what can arrive at all.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bindspace.app.errors import ApiError
from bindspace.app.imu_options import ImuOptions
from bindspace.models.kinds import get_kind, kind_names

# A missing media type or application/octet-stream is always accepted and the preprocessor judges the bytes.
ANY_MEDIA_TYPE = ("", "application/octet-stream")


def _registered_kind(value: str) -> str:
    if value not in kind_names():
        raise ValueError(f"expected one of {', '.join(kind_names())}")
    return value


def _kind_enum(schema: dict[str, Any]) -> None:
    schema["enum"] = list(kind_names())


InputKind = Annotated[str, AfterValidator(_registered_kind), Field(json_schema_extra=_kind_enum)]
"""An input kind field: any kind registered in `bindspace.models.kinds` when the request is validated."""

# A complete 1x1 PNG for the schema's examples, so that every example is a request the service accepts.
EXAMPLE_PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mM4UaEBAAN0AWn1BwN7AAAAAElFTkSuQmCC"
EXAMPLE_PNG_URI = f"data:image/png;base64,{EXAMPLE_PNG_BASE64}"


def with_article(kind: str) -> str:
    """`kind` after "a" or "an" as spoken: an image, an imu, an audio; a video, a text, a depth."""
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def check_media_type(kind: str, media_type: str | None, param: str) -> None:
    """Raise 415 unless `media_type` (parameters ignored) is one the input kind takes."""
    bare = (media_type or "").split(";", 1)[0].strip().lower()
    if bare in ANY_MEDIA_TYPE:
        return
    accepted = get_kind(kind).media_types
    if any(bare.startswith(p) if p.endswith("/") else bare == p for p in accepted):
        return
    raise ApiError(415, f"Unsupported media type '{bare}' for {with_article(kind)} input; accepted: "
                        f"{', '.join(p + '*' if p.endswith('/') else p for p in accepted)}.",
                   param=param, code="unsupported_media_type")


def decode_base64(value: str, param: str) -> bytes:
    """Strict standard base64 (whitespace ignored); 400 naming `param` when malformed or empty."""
    compact = "".join(value.split())
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(400, f"{param} is not valid base64: {exc}.", param=param, code="invalid_base64") from exc
    if not data:
        raise ApiError(400, f"{param} is empty.", param=param, code="empty_input")
    return data


def parse_data_uri(value: str, param: str) -> tuple[str, bytes]:
    """Split `data:<type>[;base64],<data>` into its media type and decoded bytes."""
    header, sep, data = value[len("data:"):].partition(",")
    if not sep:
        raise ApiError(400, f"{param} is a malformed data URI: no ',' after the header.", param=param,
                       code="invalid_data_uri")
    parts = header.split(";")
    media_type = parts[0].strip().lower()
    if "base64" in (p.strip().lower() for p in parts[1:]):
        return media_type, decode_base64(data, param)
    return media_type, unquote_to_bytes(data)


def decode_value(kind: str, value: str, param: str) -> bytes | str:
    """Decode one string input of `kind`: text as is (or a text data URI), media as base64 or a data URI."""
    if value.startswith("data:"):
        media_type, data = parse_data_uri(value, param)
        check_media_type(kind, media_type, param)
        if kind == "text":
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ApiError(400, f"{param} is not UTF-8 text.", param=param, code="invalid_text") from exc
        return data
    if kind == "text":
        return value
    return decode_base64(value, param)


def check_item_count(count: int, limit: int, param: str) -> None:
    """Raise 413 when a request carries more than `limit` inputs or items, 400 when it carries none."""
    if count == 0:
        raise ApiError(400, f"{param} is empty: send at least one input.", param=param, code="empty_input")
    if count > limit:
        raise ApiError(413, f"{param} has {count} entries, over the limit of {limit} per request "
                            "(BINDSPACE_MAX_ITEMS_PER_REQUEST).", param=param, code="too_many_items")


class InputSpec(BaseModel):
    """One input of any kind: `text` for the text kind, `data` (base64 or a data URI) for every other."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"modality": "text", "text": "a dog barking"},
                                        {"modality": "image", "data": EXAMPLE_PNG_URI}]},
    )

    modality: InputKind = Field(description="The input kind.")
    text: str | None = Field(None, description="The text, for modality `text`.")
    data: str | None = Field(None, description="Base64 of the file bytes, or a data URI, for every other kind.")
    imu: ImuOptions | None = Field(None, description="Modality imu only: sample rate and units of the recording.")

    @model_validator(mode="after")
    def _one_payload(self) -> InputSpec:
        if (self.text is None) == (self.data is None):
            raise ValueError("give exactly one of `text` and `data`")
        if self.text is not None and self.modality != "text":
            raise ValueError(f"`text` is for modality 'text'; send {with_article(self.modality)} input as `data`")
        if self.imu is not None and self.modality != "imu":
            raise ValueError(f"`imu` describes IMU recordings; remove it for modality '{self.modality}'")
        return self

    def preprocess_options(self) -> dict[str, Any]:
        """Keyword arguments for the preprocessor of this input's kind (IMU: sample rate and units)."""
        return self.imu.preprocess_options() if self.imu is not None else {}

    def payload(self, param: str) -> bytes | str:
        """The decoded input, ready for the preprocessor of its kind."""
        if self.text is not None:
            return self.text
        return decode_value(self.modality, self.data, f"{param}.data")
