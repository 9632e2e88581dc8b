"""``rag ingest URL`` against a local HTTP server, and an address nobody answers."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path, sample_corpus) -> Iterator[str]:
    """The base URL of a local server for a folder holding ``article.html``."""
    root = tmp_path / "site"
    root.mkdir()
    shutil.copy(sample_corpus / "corvale-tram-line.html", root / "article.html")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


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
