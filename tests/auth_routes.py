"""Test helper: the key the auth tests configure, the routes that answer without one, and the app's routes."""

from fastapi.routing import iter_route_contexts

from live_server import LiveServer

KEY = "s3cret-key-0123456789"

# Routes that answer without a key. Every other route of the app must refuse missing and wrong keys.
OPEN_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/.well-known/live"),
    ("HEAD", "/.well-known/live"),
    ("GET", "/.well-known/ready"),
    ("HEAD", "/.well-known/ready"),
    ("GET", "/openapi.json"),
    ("HEAD", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/swagger"),
    ("GET", "/"),
    ("GET", "/ui/{asset}"),
}


def app_routes(server: LiveServer) -> list[tuple[str, str]]:
    """(method, path template) of every route the application serves, included routers flattened."""
    contexts = iter_route_contexts(server.app.routes)
    return [(method, route.path) for route in contexts for method in sorted(route.methods)]
