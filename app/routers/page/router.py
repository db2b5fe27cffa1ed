"""The web page at `/`: search, label and manage collections in a browser, from files shipped in this package.

The page is static HTML, CSS and JavaScript that call the public API with the key the user types (kept in
sessionStorage). Its Content-Security-Policy lets it load scripts, styles and API answers from this server
only; images and sounds may also come from http(s) URLs that items carry in their metadata.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from bindspace.app.errors import ApiError

STATIC = Path(__file__).parent / "static"
SCRIPT, STYLE = "text/javascript; charset=utf-8", "text/css; charset=utf-8"
ASSETS = {"page.js": SCRIPT, "api.js": SCRIPT, "dom.js": SCRIPT, "files.js": SCRIPT, "previews.js": SCRIPT,
          "page.css": STYLE}
"""The page's files besides index.html: `page.js` (the views) imports the other modules."""
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
               "img-src 'self' blob: data: http: https:; media-src 'self' blob: http: https:; "
               "form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def page() -> Response:
    """The page itself; it asks for the API key only when the server answers 401."""
    return Response((STATIC / "index.html").read_bytes(), media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/ui/{asset}")
async def asset(asset: str) -> Response:
    """One of the page's scripts or style sheets."""
    if asset not in ASSETS:
        raise ApiError(404, f"The page has no asset {asset!r}.", code="not_found")
    return Response((STATIC / asset).read_bytes(), media_type=ASSETS[asset], headers=HEADERS)
