"""``rag ingest URL`` against a local HTTP server, and an address nobody answers."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.errors import IngestError
from ingest.sources import fetch_url

pytestmark = pytest.mark.slow


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _serving(root: Path, handler: type[SimpleHTTPRequestHandler]) -> Iterator[str]:
    """The base URL of a local server for ``root``, shut down afterwards."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def site(tmp_path, sample_corpus) -> Iterator[str]:
    """The base URL of a local server for a folder holding ``article.html``."""
    root = tmp_path / "site"
    root.mkdir()
    shutil.copy(sample_corpus / "corvale-tram-line.html", root / "article.html")
    with _serving(root, _QuietHandler) as url:
        yield url


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_url_is_ingested_with_the_url_as_its_source(site, run_rag, tmp_path) -> None:
    url = f"{site}/article.html"

    result = run_rag(["ingest", url, "--json"], tmp_path / "home")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"added", "updated", "unchanged", "duplicates", "failed"}
    (doc,) = report["added"]
    assert set(doc) == {"doc_id", "source", "title", "chunks"}
    assert doc["source"] == url
    assert doc["title"] == "Corvale council approves 412m euro Eastside tram line"
    assert doc["chunks"] > 0
    assert report["failed"] == []


def test_an_unreachable_url_is_reported_as_failed(run_rag, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/article.html"

    result = run_rag(["ingest", url, "--json"], tmp_path / "home")

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["added"] == []
    (failure,) = report["failed"]
    assert failure["source"] == url
    assert "cannot be reached" in failure["error"]


class _RedirectingHandler(_QuietHandler):
    """``/hop`` redirects to ``/article.html``; the rest is served from the folder."""

    def do_GET(self) -> None:
        if self.path == "/hop":
            self.send_response(302)
            self.send_header("Location", "/article.html")
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def hopping_site(tmp_path, sample_corpus) -> Iterator[str]:
    root = tmp_path / "hop-site"
    root.mkdir()
    shutil.copy(sample_corpus / "corvale-tram-line.html", root / "article.html")
    with _serving(root, _RedirectingHandler) as url:
        yield url


def test_the_guard_sees_every_redirect_before_it_is_followed(hopping_site: str) -> None:
    seen: list[str] = []

    def guard(url: str) -> None:
        seen.append(url)
        if url.endswith("/article.html"):
            raise IngestError(url, "is not allowed here")

    with pytest.raises(IngestError) as caught:
        fetch_url(f"{hopping_site}/hop", timeout=5, max_bytes=10**6, guard=guard)
    assert seen == [f"{hopping_site}/hop", f"{hopping_site}/article.html"]
    assert caught.value.source == f"{hopping_site}/hop"
    assert "redirects to" in caught.value.reason and "is not allowed here" in caught.value.reason
    followed = fetch_url(f"{hopping_site}/hop", timeout=5, max_bytes=10**6, guard=seen.append)
    assert followed.documents[0].url == f"{hopping_site}/article.html"


def test_the_window_refuses_loopback_urls_by_name_and_stores_nothing(
    hopping_site: str, tmp_path: Path, embedder: object
) -> None:
    from core.settings import Settings
    from rag.library import Library
    from rag.services import Services
    from ui.backend import Backend

    services = Services(Settings(home=tmp_path / "home"))
    services.__dict__["embedder"] = embedder
    backend = Backend(Library(services.settings, services))
    urls = f"{hopping_site}/article.html\nhttp://0x7f000001:{hopping_site.rsplit(':', 1)[1]}/hop"
    # (tests/ingest/test_ssrf.py opens the port to see the address refused too)
    report, _names = backend.ingest_uploads([], urls)
    assert not report.added
    assert [f.source for f in report.failed] == urls.splitlines()
    assert all("only the standard ports" in f.error for f in report.failed)
    assert backend.library.documents() == []
