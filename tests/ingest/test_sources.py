"""Tests for expanding inputs and fetching URLs (against a local http.server only)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.errors import IngestError
from ingest.loaders import LoadResult
from ingest.sources import USER_AGENT, expand_inputs, fetch_url, is_url

PAGE = (
    b"<!doctype html><html><head><title>Local page</title></head><body>"
    b"<nav><a href='/'>MENU</a> <a href='/shop'>SHOP</a></nav><article><p>The local server "
    b"says hello to the ingest tests. Trafilatura only trusts its main-text extraction when "
    b"the article is long enough, so this paragraph goes on for a while.</p><p>A second "
    b"paragraph adds a few more sentences about nothing in particular, which is plenty "
    b"for a test page served from 127.0.0.1.</p></article></body></html>"
)
JSONL = b'{"id": "a", "text": "alpha", "url": "https://e.org/a"}\n{"id": "b", "text": "beta"}\n'
BIG = b"x" * 300_000
SEEN_AGENTS: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        SEEN_AGENTS.append(self.headers.get("User-Agent", ""))
        routes = {
            "/page.html": (200, "text/html; charset=utf-8", PAGE),
            "/records": (200, "application/x-ndjson", JSONL),
            "/notes": (200, "text/plain; charset=cp1252", "caf\xe9 \u20ac".encode("cp1252")),
            "/big": (200, "text/plain", BIG),
        }
        if self.path == "/old":
            self.send_response(301)
            self.send_header("Location", "/page.html")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(1.0)
            # The client has given up by now; its closed socket is the expected outcome.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(200, "text/plain", b"late")
        elif self.path == "/big-unsized":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(BIG)  # no Content-Length: read until the connection closes
        elif self.path in routes:
            self._send(*routes[self.path])
        else:
            self._send(404, "text/plain", b"not here")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def _fetch(url: str, *, timeout: float = 5.0, max_bytes: int = 1_000_000) -> LoadResult:
    return fetch_url(url, timeout=timeout, max_bytes=max_bytes)


# --- expand_inputs -------------------------------------------------------------


def test_expand_folder_recursively_sorted_without_hidden(tmp_path: Path) -> None:
    for rel in ["b.txt", "a.md", "sub/z.pdf", "sub/deeper/c.txt", ".hidden.txt",
                ".git/config", "sub/.cache/x.txt", "A_upper.txt"]:  # fmt: skip
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    root = tmp_path.resolve()
    assert expand_inputs([str(tmp_path)]) == [
        str(root / rel) for rel in ["A_upper.txt", "a.md", "b.txt", "sub/deeper/c.txt", "sub/z.pdf"]
    ]


def test_expand_passes_urls_files_and_missing_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "one.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    inputs = ["https://example.org/a", "one.txt", "missing/file.txt", "HTTP://EXAMPLE.ORG/B"]
    assert expand_inputs(inputs) == [
        "https://example.org/a",
        str((tmp_path / "one.txt").resolve()),
        "missing/file.txt",
        "HTTP://EXAMPLE.ORG/B",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.org/a", True),
        ("HTTPS://EXAMPLE.ORG/A", True),
        ("Http://example.org", True),
        ("ftp://example.org", False),
        ("https:example.org", False),
        ("notes/https://x.txt", False),
    ],
)
def test_is_url_ignores_the_case_of_the_scheme(text: str, expected: bool) -> None:
    assert is_url(text) is expected


def test_expand_drops_duplicates_and_empty_folders(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "f.txt").write_text("x")
    file = str(tmp_path / "f.txt")
    assert expand_inputs([file, str(tmp_path / "empty"), file]) == [str(Path(file).resolve())]


# --- fetch_url -------------------------------------------------------------------


def test_fetch_html_page(server: str) -> None:
    result = _fetch(f"{server}/page.html")
    (doc,) = result.documents
    assert doc.source == f"{server}/page.html"
    assert doc.url == f"{server}/page.html"
    assert doc.kind == "html"
    assert "says hello" in doc.text
    assert "MENU" not in doc.text
    assert SEEN_AGENTS[-1] == USER_AGENT


def test_fetch_follows_redirects_and_records_final_url(server: str) -> None:
    (doc,) = _fetch(f"{server}/old").documents
    assert doc.source == f"{server}/old"
    assert doc.url == f"{server}/page.html"


def test_fetch_uses_content_type_hint_and_charset(server: str) -> None:
    result = _fetch(f"{server}/records")
    assert [d.source for d in result.documents] == [f"{server}/records#a", f"{server}/records#b"]
    assert [d.url for d in result.documents] == ["https://e.org/a", f"{server}/records"]
    (notes,) = _fetch(f"{server}/notes").documents
    assert notes.text == "café €"


def test_fetch_http_error(server: str) -> None:
    with pytest.raises(IngestError, match="HTTP 404.*check the address or your connection") as info:
        _fetch(f"{server}/nothing")
    assert info.value.source == f"{server}/nothing"


@pytest.mark.parametrize("path", ["/big", "/big-unsized"])
def test_fetch_stops_past_the_size_limit(server: str, path: str) -> None:
    with pytest.raises(IngestError, match="larger than the limit.*RAG_MAX_FILE_MB"):
        _fetch(f"{server}{path}", max_bytes=100_000)


def test_fetch_timeout(server: str) -> None:
    with pytest.raises(IngestError, match="no answer within 0.2 seconds; check the address"):
        _fetch(f"{server}/slow", timeout=0.2)


def test_fetch_unreachable_host() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x"
    with pytest.raises(IngestError, match="cannot be reached.*check the address") as info:
        _fetch(url)
    assert info.value.source == url


def test_fetch_refuses_other_schemes() -> None:
    with pytest.raises(IngestError, match="only http"):
        _fetch("file:///etc/passwd")
