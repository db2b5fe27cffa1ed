"""Optional bearer-key authentication with three scopes, applied as dependencies to the protected routes.

Scopes, each including the ones before it: `read` (embed, classify, search and read collections and
items), `write` (add, replace and delete items) and `admin` (create and drop collections). Keys come from
`BINDSPACE_READ_API_KEYS`, `BINDSPACE_WRITE_API_KEYS` and `BINDSPACE_API_KEYS` (admin). With no key
configured at all, every caller has every scope.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bindspace.app.dependencies import request_settings
from bindspace.app.errors import ApiError
from bindspace.engine.settings import Settings

SCOPES = ("read", "write", "admin")
SCOPE_ACTIONS = {"read": "embed, classify, search and read collections and items",
                 "write": "add, replace and delete items", "admin": "create and drop collections"}
_SCOPE_SETTING = {"read": "BINDSPACE_READ_API_KEYS", "write": "BINDSPACE_WRITE_API_KEYS", "admin": "BINDSPACE_API_KEYS"}

_bearer = HTTPBearer(auto_error=False, description="A key from BINDSPACE_API_KEYS (admin), BINDSPACE_WRITE_API_KEYS "
                     "or BINDSPACE_READ_API_KEYS (when any are set).")


def _keys_by_scope(settings: Settings) -> dict[str, list[bytes]]:
    return {"read": [k.get_secret_value().encode() for k in settings.read_api_keys],
            "write": [k.get_secret_value().encode() for k in settings.write_api_keys],
            "admin": [k.get_secret_value().encode() for k in settings.api_keys]}


def scope_of(given: bytes, settings: Settings) -> str | None:
    """The widest scope of the configured keys that `given` equals (every key is compared), or None."""
    found = None
    for scope, keys in _keys_by_scope(settings).items():
        matches = [hmac.compare_digest(given, key) for key in keys]
        if any(matches):
            found = scope
    return found


async def require_api_key(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    settings: Settings = Depends(request_settings),
) -> str:
    """The caller's scope: every scope when no keys are configured, else its bearer key's (401 without one)."""
    if not (settings.api_keys or settings.write_api_keys or settings.read_api_keys):
        return "admin"
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError(401, "Missing API key: send the header 'Authorization: Bearer <key>'.",
                       code="missing_api_key", headers=challenge)
    scope = scope_of(credentials.credentials.encode(), settings)
    if scope is None:
        raise ApiError(401, "Invalid API key.", code="invalid_api_key", headers=challenge)
    return scope


def require_scope(needed: str) -> Callable[..., Awaitable[None]]:
    """A dependency that lets the request through when its key's scope includes `needed` (403 otherwise)."""

    async def check(scope: str = Depends(require_api_key)) -> None:
        if SCOPES.index(scope) < SCOPES.index(needed):
            raise ApiError(403, f"This API key has the {scope} scope, which does not allow this request: it needs "
                                f"the {needed} scope (to {SCOPE_ACTIONS[needed]}); use a key from "
                                f"{_SCOPE_SETTING[needed]}"
                                f"{' or BINDSPACE_API_KEYS' if needed != 'admin' else ''}.",
                           code="insufficient_scope")

    return check
