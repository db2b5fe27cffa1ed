"""API docs: `/docs` is a self-contained page that works offline; `/docs/swagger` is Swagger UI from a CDN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from bindspace.app.routers.docs.page import PAGE

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def docs() -> HTMLResponse:
    """The offline docs page: renders /openapi.json and sends example requests, with no external assets."""
    return HTMLResponse(PAGE)


@router.get("/docs/swagger")
async def swagger(request: Request) -> HTMLResponse:
    """Swagger UI; its scripts come from a CDN, so it needs internet access in the browser."""
    return get_swagger_ui_html(openapi_url=request.scope.get("root_path", "") + "/openapi.json",
                               title="bindspace API - Swagger UI")
