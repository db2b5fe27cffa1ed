"""`POST /v1/embed`: vectors for inputs of any kind, sent as JSON or as multipart file uploads."""

from __future__ import annotations

from typing import Any, NamedTuple

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from bindspace.app.auth import require_api_key
from bindspace.app.dependencies import ready_runtime
from bindspace.app.errors import NATIVE_ERRORS, ApiError
from bindspace.app.imu_options import ImuOptions, imu_preprocess_options
from bindspace.app.inputs import EXAMPLE_PNG_URI, check_item_count, check_media_type, decode_value
from bindspace.app.request_body import content_kind, parse_json, read_form
from bindspace.app.responses import FastJSONResponse
from bindspace.app.routers.embed.schemas import EmbedRequest, EmbedResponse
from bindspace.app.runtime import Runtime
from bindspace.models.kinds import encoder_of

router = APIRouter(prefix="/v1", tags=["embed"], dependencies=[Depends(require_api_key)], responses=NATIVE_ERRORS)

_MULTIPART_SCHEMA = {
    "type": "object",
    "properties": {
        "modality": {"type": "string", "description": "The input kind of every file or text."},
        "normalize": {"type": "boolean", "default": True},
        "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                 "description": "One part per input file (its Content-Type is checked against the modality)."},
        "text": {"type": "array", "items": {"type": "string"}, "description": "Text inputs (modality text)."},
        "imu_sample_rate": {"type": "number", "description": "Modality imu: samples per second (default 400)."},
        "imu_accel_unit": {"type": "string", "enum": ["m/s^2", "g"], "description": "Modality imu (default m/s^2)."},
        "imu_gyro_unit": {"type": "string", "enum": ["rad/s", "deg/s"], "description": "Modality imu (default rad/s)."},
    },
    "required": ["modality"],
}

_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": EmbedRequest.model_json_schema(),
            "examples": {
                "text": {"value": {"modality": "text", "inputs": ["a dog barking", "rain on a roof"]}},
                "image": {"value": {"modality": "image", "inputs": [EXAMPLE_PNG_URI]}},
            },
        },
        "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
    },
}


class _Inputs(NamedTuple):
    kind: str
    normalize: bool
    payloads: list[bytes | str]
    params: list[str]
    options: dict[str, Any]


def _form_imu_options(form: FormData, kind: str) -> dict[str, Any]:
    given = {name: form.get(f"imu_{name}") for name in ImuOptions.model_fields}
    given = {name: str(value) for name, value in given.items() if value is not None}
    if not given:
        return {}
    try:
        options = ImuOptions.model_validate(given)
    except ValidationError as exc:
        error = exc.errors()[0]
        param = f"imu_{error['loc'][0]}"
        raise ApiError(422, f"{param}: {error['msg']}.", param=param, code="invalid_request") from exc
    return imu_preprocess_options(kind, options, "imu_*")


async def _form_inputs(request: Request, runtime: Runtime) -> _Inputs:
    settings = runtime.settings
    form = await read_form(request, settings.max_items_per_request, settings.max_input_bytes)
    kind = str(form.get("modality") or "")
    if kind not in runtime.preprocessors:
        raise ApiError(422, f"modality: expected one of {', '.join(runtime.preprocessors)}, got '{kind}'.",
                       param="modality", code="invalid_request")
    normalize = str(form.get("normalize", "true")).strip().lower() not in ("false", "0", "no")
    payloads: list[bytes | str] = []
    params: list[str] = []
    for index, part in enumerate(form.getlist("file")):
        param = f"file[{index}]"
        if not isinstance(part, UploadFile):
            raise ApiError(400, f"{param} must be a file part.", param=param, code="invalid_form")
        check_media_type(kind, part.content_type, param)
        data = await part.read()
        if kind == "text":
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ApiError(400, f"{param} is not UTF-8 text.", param=param, code="invalid_text") from exc
        payloads.append(data)
        params.append(param)
    for index, text in enumerate(form.getlist("text")):
        if kind != "text":
            raise ApiError(400, f"text fields are for modality text, not {kind}.", param="text", code="invalid_form")
        payloads.append(str(text))
        params.append(f"text[{index}]")
    check_item_count(len(payloads), settings.max_items_per_request, "file")
    return _Inputs(kind, normalize, payloads, params, _form_imu_options(form, kind))


async def _json_inputs(request: Request, runtime: Runtime) -> _Inputs:
    body = await parse_json(request, EmbedRequest)
    values = [body.inputs] if isinstance(body.inputs, str) else body.inputs
    check_item_count(len(values), runtime.settings.max_items_per_request, "inputs")
    params = [f"inputs[{i}]" for i in range(len(values))]
    payloads = [decode_value(body.modality, v, param) for v, param in zip(values, params, strict=True)]
    options = imu_preprocess_options(body.modality, body.imu, "imu")
    return _Inputs(body.modality, body.normalize, payloads, params, options)


@router.post(
    "/embed",
    response_model=EmbedResponse,
    summary="Embed inputs of any kind",
    description="Unit-normalized vectors (or the model's raw scaled output with `normalize: false`) for text, "
    "images, video, audio, depth, thermal or IMU inputs, sent as JSON (text, base64, data URIs) or as "
    "multipart/form-data file uploads (`modality` field plus one `file` part per input).",
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def embed(request: Request, runtime: Runtime = Depends(ready_runtime)) -> FastJSONResponse:
    """Embed the request's inputs through the dynamic batcher."""
    if content_kind(request) == "json":
        kind, normalize, payloads, params, options = await _json_inputs(request, runtime)
    else:
        kind, normalize, payloads, params, options = await _form_inputs(request, runtime)
    runtime.require_kind(kind, "modality")
    embeddings = await runtime.embed(kind, payloads, params, options)
    vectors = embeddings.unit() if normalize else embeddings.raw
    return FastJSONResponse({
        "object": "list",
        "model": runtime.info.name,
        "modality": kind,
        "encoder": encoder_of(kind),
        "normalized": normalize,
        "dimension": int(vectors.shape[1]),
        "data": [{"index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)],
    })
