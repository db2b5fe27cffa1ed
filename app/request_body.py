"""Reading bodies of routes that take either JSON or multipart form data."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from bindspace.app.errors import ApiError

Model = TypeVar("Model", bound=BaseModel)


def content_kind(request: Request) -> str:
    """`json` or `form` (multipart or URL-encoded) from the Content-Type header; 415 for anything else."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return "json"
    if media_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return "form"
    raise ApiError(415, f"Unsupported Content-Type '{media_type or '(none)'}': send application/json or "
                        "multipart/form-data.", code="unsupported_media_type")


async def parse_json(request: Request, model: type[Model]) -> Model:
    """The JSON body validated as `model`; malformed JSON -> 400, schema violations -> 422."""
    body = await request.body()
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc


async def read_form(request: Request, max_files: int, max_part_bytes: int) -> FormData:
    """The multipart form, with at most `max_files` files (413 beyond); malformed forms -> 400."""
    try:
        return await request.form(max_files=max_files, max_fields=max_files + 16, max_part_size=max_part_bytes)
    except ApiError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-multipart raises several types for malformed forms
        status = getattr(exc, "status_code", 400)
        detail = getattr(exc, "detail", None) or str(exc)
        if status == 400 and "many files" in detail.lower():
            raise ApiError(413, f"{detail} (BINDSPACE_MAX_ITEMS_PER_REQUEST).", code="too_many_items") from exc
        raise ApiError(status, f"Malformed multipart form: {detail}", code="invalid_form") from exc
