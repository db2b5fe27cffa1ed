"""Optional bearer-key authentication, applied as a dependency to every protected router."""

from __future__ import annotations

import hmac

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bindspace.app.dependencies import request_settings
from bindspace.app.errors import ApiError
from bindspace.engine.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="One of the keys in BINDSPACE_API_KEYS (when any are set).")


async def require_api_key(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer), settings: Settings = Depends(request_settings)
) -> None:
    """Let the request through when no keys are configured or its bearer key matches one of them."""
    keys = settings.api_keys
    if not keys:
        return
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError(401, "Missing API key: send the header 'Authorization: Bearer <key>'.",
                       code="missing_api_key", headers=challenge)
    given = credentials.credentials.encode()
    matches = [hmac.compare_digest(given, key.get_secret_value().encode()) for key in keys]
    if not any(matches):
        raise ApiError(401, "Invalid API key.", code="invalid_api_key", headers=challenge)
