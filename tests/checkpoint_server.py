"""A local HTTP server on 127.0.0.1 serving checkpoint bytes, for the pull and download tests.

It can ignore Range headers (as some servers do), break the connection after a number of bytes on
its first answer (an interrupted download), and records each request's path, Range header and status.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ServedFile:
    data: bytes
    supports_range: bool = True
    cut_first_answer_after: int | None = None
    """Close the connection after this many body bytes of the first answer (Content-Length stays full)."""
    requests: list[tuple[str | None, int]] = field(default_factory=list)
    """(Range header, status) of each request for this file."""


class CheckpointServer:
    """`files` maps URL paths to `ServedFile`s; `url(path)` gives the full URL."""

    def __init__(self) -> None:
        self.files: dict[str, ServedFile] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                served = server.files.get(self.path)
                if served is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                requested = self.headers.get("Range")
                start = 0
                match = re.fullmatch(r"bytes=(\d+)-", requested or "")
                if served.supports_range and match and int(match.group(1)) < len(served.data):
                    start = int(match.group(1))
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(served.data) - 1}/{len(served.data)}")
                    status = 206
                else:
                    self.send_response(200)
                    status = 200
                served.requests.append((requested, status))
                body = served.data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                cut = served.cut_first_answer_after
                if cut is not None and len(served.requests) == 1:
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def __enter__(self) -> "CheckpointServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
