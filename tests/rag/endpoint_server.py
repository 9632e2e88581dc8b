"""A local HTTP server that answers ``GET /v1/models`` as an OpenAI-compatible endpoint
would (or as a broken one would), and records what it was sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Listing:
    """What the server sends, and what it saw."""

    status: int = 200
    body: bytes = b'{"object": "list", "data": [{"id": "qwen3"}, {"id": "llama3.2"}]}'
    seen: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


class _Handler(BaseHTTPRequestHandler):
    listing: Listing

    def do_GET(self) -> None:
        self.listing.seen.append({"path": self.path, **dict(self.headers.items())})
        self.send_response(self.listing.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.listing.body)))
        self.end_headers()
        self.wfile.write(self.listing.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def serving(listing: Listing) -> Iterator[Listing]:
    handler = type("Handler", (_Handler,), {"listing": listing})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    listing.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield listing
    finally:
        server.shutdown()
        server.server_close()
