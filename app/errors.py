"""One error envelope for the whole service, and the handlers that map every failure onto it.

Native and OpenAI-compatible routes answer `{"error": {"message", "type", "param", "code"}}`; the Weaviate
routes answer `{"error": "<message>"}`, the body Weaviate's multi2vec-bind module reads.
"""

from __future__ import annotations

import logging
import sys

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException
from starlette.routing import Match

from bindspace.engine.batching import QueueFullError
from bindspace.index.errors import (
    CollectionExistsError,
    CollectionNotFoundError,
    CorruptDataError,
    DatabaseClosedError,
    DataDirLockedError,
    DimensionMismatchError,
    IndexStoreError,
    ItemNotFoundError,
    StorageFullError,
    StorageReadOnlyError,
)
from bindspace.engine.encoder_process import EncoderProcessError
from bindspace.models.errors import InputError

log = logging.getLogger("bindspace.errors")

WEAVIATE_PATHS = frozenset({"/vectorize", "/meta"})
FRAMEWORK_PARSE_FAILURE = "There was an error parsing the body"
"""FastAPI's whole message when its JSON parser raises something other than a decode error."""

_TYPE_FOR_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    503: "service_unavailable_error",
    507: "insufficient_storage_error",
}


class ErrorDetail(BaseModel):
    """What went wrong: `param` names the offending field when there is one."""

    message: str
    type: str
    param: str | None
    code: str | None


class ErrorEnvelope(BaseModel):
    """The error body of every native and OpenAI-compatible route."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"error": {
        "message": "inputs[0] is not valid base64: Incorrect padding.", "type": "invalid_request_error",
        "param": "inputs[0]", "code": "invalid_base64"}}]})

    error: ErrorDetail


class WeaviateError(BaseModel):
    """The error body of the Weaviate routes."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"error": "images[0] is not valid base64."}]})

    error: str


def error_responses(envelope: type[BaseModel], *statuses: int) -> dict[int, dict]:
    """OpenAPI `responses` documenting `statuses` with the error `envelope`."""
    meanings = {400: "Malformed request (JSON, base64, data URI).", 401: "Missing or wrong API key.",
                403: "The API key's scope does not allow this request.", 404: "No such collection or item.",
                409: "The collection exists.",
                413: "Body, inputs or labels over a limit.", 415: "Unsupported media type.",
                422: "Invalid request or undecodable input.", 429: "Queue full; see Retry-After.",
                503: "The model is still loading, or the data directory cannot be written.",
                507: "The disk holding the data directory is full."}
    return {status: {"model": envelope, "description": meanings[status]} for status in statuses}


NATIVE_ERRORS = error_responses(ErrorEnvelope, 400, 401, 413, 415, 422, 429, 503)
WEAVIATE_ERRORS = error_responses(WeaviateError, 400, 401, 413, 422, 429, 503)


class ApiError(HTTPException):
    """An error a route answers with: HTTP status plus the fields of the envelope."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        error_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, message, headers)
        self.message = message
        self.param = param
        self.code = code
        self.error_type = error_type or _TYPE_FOR_STATUS.get(status_code, "server_error")


def error_body(path: str, status_code: int, message: str, *, param: str | None = None,
               code: str | None = None, error_type: str | None = None) -> dict:
    """The JSON body of an error answered on `path`."""
    if path in WEAVIATE_PATHS:
        return {"error": message}
    return {
        "error": {
            "message": message,
            "type": error_type or _TYPE_FOR_STATUS.get(status_code, "server_error"),
            "param": param,
            "code": code,
        }
    }


def error_response(request: Request, error: ApiError) -> JSONResponse:
    """A JSON response for `error` in the envelope that `request`'s route speaks."""
    body = error_body(request.url.path, error.status_code, error.message, param=error.param,
                      code=error.code, error_type=error.error_type)
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


def _unparsable_body(cause: BaseException | None) -> ApiError:
    """The 400 for a JSON body the framework's parser gave up on, saying why in words a client can act on."""
    if isinstance(cause, RecursionError):
        message = ("The body is not JSON this service can read: its arrays or objects nest too deeply; "
                   "keep nesting to a few dozen levels.")
    elif isinstance(cause, ValueError) and "digits" in str(cause):
        message = (f"The body holds an integer longer than {sys.get_int_max_str_digits()} digits, the most this "
                   "service reads; send shorter numbers.")
    else:
        message = f"The body is not valid JSON: {cause}." if cause is not None else "The body is not valid JSON."
    return ApiError(400, message, param="body", code="invalid_json")


def _location(loc: tuple) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _validation_error(exc: RequestValidationError) -> ApiError:
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        first = next(error for error in errors if error.get("type") == "json_invalid")
        detail = first.get("ctx", {}).get("error", "invalid JSON")
        return ApiError(400, f"The body is not valid JSON: {detail}.", code="invalid_json")
    first = errors[0]
    where = _location(tuple(first.get("loc", ())))
    message = "; ".join(f"{_location(tuple(e.get('loc', ())))}: {e.get('msg')}" for e in errors[:5])
    return ApiError(422, message, param=where, code="invalid_request")


def _index_error(exc: IndexStoreError) -> ApiError:
    if isinstance(exc, (CollectionNotFoundError, ItemNotFoundError)):
        return ApiError(404, str(exc), code="not_found")
    if isinstance(exc, CollectionExistsError):
        return ApiError(409, str(exc), code="already_exists")
    if isinstance(exc, DatabaseClosedError):
        return ApiError(409, str(exc), code="collection_closed")
    if isinstance(exc, DimensionMismatchError):
        return ApiError(422, str(exc), code="dimension_mismatch")
    if isinstance(exc, StorageFullError):
        return ApiError(507, str(exc), code="storage_full")
    if isinstance(exc, StorageReadOnlyError):
        return ApiError(503, str(exc), code="storage_read_only")
    if isinstance(exc, (DataDirLockedError, CorruptDataError)):
        log.error("index failure: %s", exc)
        return ApiError(500, f"Index failure: {exc}", code="index_failure", error_type="server_error")
    return ApiError(422, str(exc), code="invalid_request")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at the request's path (routing reports only the first route's)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        if route.methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception type the service knows to the envelope (anything else: `UnhandledErrorMiddleware`)."""

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if not isinstance(exc, ApiError) and exc.status_code == 400 and exc.detail == FRAMEWORK_PARSE_FAILURE:
            exc = _unparsable_body(exc.__cause__)
        if not isinstance(exc, ApiError):
            headers = exc.headers
            if exc.status_code == 405:
                headers = {**(headers or {}), "Allow": _allowed_methods(request)}
            exc = ApiError(exc.status_code, str(exc.detail), headers=headers)
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(request, _validation_error(exc))

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return error_response(request, ApiError(422, str(exc), param=exc.param, code="invalid_input"))

    @app.exception_handler(QueueFullError)
    async def _queue_full(request: Request, exc: QueueFullError) -> JSONResponse:
        retry_after = str(request.app.state.settings.retry_after_s)
        return error_response(request, ApiError(429, str(exc), code="queue_full", headers={"Retry-After": retry_after}))

    @app.exception_handler(EncoderProcessError)
    async def _encoder_stopped(request: Request, exc: EncoderProcessError) -> JSONResponse:
        log.error("%s", exc)
        retry_after = str(request.app.state.settings.retry_after_s)
        return error_response(request, ApiError(503, "The inference process stopped and is being restarted; "
                                                "retry shortly.", code="inference_restarting",
                                                headers={"Retry-After": retry_after}))

    @app.exception_handler(IndexStoreError)
    async def _index(request: Request, exc: IndexStoreError) -> JSONResponse:
        if isinstance(exc, (StorageFullError, StorageReadOnlyError)):
            log.error("storage failure on %s %s: %s", request.method, request.url.path, exc)
            request.app.state.runtime.storage_problem = str(exc)
        return error_response(request, _index_error(exc))
