"""The outbound-fetch guard end to end: a local ``http.server`` stands in for an internal
service holding a secret, and the app (``Library.add(public_urls=True)``, what the window
and the named API use) must never ingest it: not by loopback in any spelling, not through
a redirect, not through a name that resolves to loopback, not by a DNS answer that
changes between the check and the connection, not on a non-standard port, unless the
operator's allow list names it; while the CLI's unguarded fetch still reads local pages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from core.settings import Settings
from ingest import urlguard
from ingest.sources import fetch_url
from ingest.urlguard import NOT_FETCHED
from rag.library import Library
from rag.services import Services

SECRET = "The internal admin password is tangerine-47-walrus."
PAGE = "<html><head><title>Public page</title></head><body><p>{}</p></body></html>"


class _Service(BaseHTTPRequestHandler):
    """``/secret`` holds the secret; ``/to?u=URL`` redirects to URL."""

    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.path.startswith("/to?"):
            self.send_response(302)
            self.send_header("Location", parse_qs(urlsplit(self.path).query)["u"][0])
            self.end_headers()
            return
        text = SECRET if self.path == "/secret" else "A harmless public page about trams."
        body = PAGE.format(text).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def internal() -> Iterator[tuple[int, list[str]]]:
    """(port on 127.0.0.1, the paths it was asked for)."""
    hits: list[str] = []
    handler = type("Handler", (_Service,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _library(tmp_path: Path, embedder: Any, **settings: Any) -> Library:
    services = Services(Settings(**{"home": tmp_path / "home", "url_timeout": 5, **settings}))
    services.__dict__["embedder"] = embedder
    return Library(services.settings, services)


def _assert_nothing_stored(library: Library) -> None:
    assert library.documents() == []
    assert library.services.store.count_passages() == 0
    assert library.services.store.list_documents(complete_only=False) == []


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "0x7f000001",
        "2130706433",
        "127.1",
        "0177.0.0.1",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",
    ],
)
def test_loopback_in_any_spelling_is_not_fetched(
    internal: tuple[int, list[str]], tmp_path: Path, embedder: Any, host: str
) -> None:
    port, hits = internal
    # the port is open to another host, so only the resolved address can refuse these
    library = _library(tmp_path, embedder, url_allow=f"wiki.test:{port}")
    urls = [f"http://{host}:{port}/secret", f"http://{host}:{port}/to?u=/secret"]
    report = library.add(urls, public_urls=True)
    assert [(f.source, f.error) for f in report.failed] == [(u, NOT_FETCHED) for u in urls]
    assert hits == []
    _assert_nothing_stored(library)


def test_ipv6_loopback_is_not_fetched(tmp_path: Path, embedder: Any) -> None:
    library = _library(tmp_path, embedder)
    report = library.add(["http://[::1]/secret"], public_urls=True)
    assert [f.error for f in report.failed] == [NOT_FETCHED]


def test_redirects_to_loopback_are_not_followed(
    internal: tuple[int, list[str]],
    tmp_path: Path,
    embedder: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, hits = internal
    # the operator allows one "intranet" host (on loopback here); it redirects elsewhere
    real = urlguard.resolve
    monkeypatch.setattr(
        "ingest.urlguard.resolve",
        lambda host, p: ["127.0.0.1"] if host == "wiki.test" else real(host, p),
    )
    library = _library(tmp_path, embedder, url_allow=f"wiki.test:{port}")
    targets = [
        f"http://127.0.0.1:{port}/secret",
        f"http://localhost:{port}/secret",  # the same server, by a name not allowed
        f"http://0x7f000001:{port}/secret",
        f"http://[::1]:{port}/secret",
        "http://127.0.0.1/secret",
    ]
    urls = [f"http://wiki.test:{port}/to?u={t}" for t in targets]
    report = library.add(urls, public_urls=True)
    assert [f.source for f in report.failed] == urls
    assert {f.error for f in report.failed} == {NOT_FETCHED}
    assert "/secret" not in hits and len(hits) == len(urls)  # only the redirects were asked
    _assert_nothing_stored(library)
    # the allowed host itself is fetched, and its own redirects within it are followed
    report = library.add([f"http://wiki.test:{port}/to?u=/page"], public_urls=True)
    assert report.failed == [] and len(report.added) == 1


def test_a_dns_answer_that_changes_after_the_check_is_not_connected_to(
    internal: tuple[int, list[str]],
    tmp_path: Path,
    embedder: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rebinding: public on the first lookup, loopback on the next. The fetch connects to
    the address that was checked, so the second answer is never asked for or used."""
    port, hits = internal
    answers = [["203.0.113.7"], ["127.0.0.1"]]  # TEST-NET-3, marked public here
    lookups: list[str] = []

    def rebinding(host: str, p: int) -> list[str]:
        lookups.append(host)
        return answers[min(len(lookups), len(answers)) - 1]

    monkeypatch.setattr("ingest.urlguard.resolve", rebinding)
    monkeypatch.setattr("ingest.urlguard.is_public_ip", lambda a: a == "203.0.113.7")
    connected: list[Any] = []
    real_connect = __import__("socket").create_connection

    def connect(address: Any, *args: Any, **kwargs: Any) -> Any:
        connected.append(address)
        if address[0] != "127.0.0.1":
            raise ConnectionRefusedError("no route in the test")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr("ingest.sources.socket.create_connection", connect)
    library = _library(tmp_path, embedder, url_allow=f"rebind.test:{port}")
    url = f"http://rebind.test:{port}/secret"
    report = library.add([url], public_urls=True)
    assert [(f.source, f.error) for f in report.failed] == [(url, NOT_FETCHED)]
    assert lookups == ["rebind.test"] and connected == [("203.0.113.7", port)]
    assert hits == []
    _assert_nothing_stored(library)


def test_ports_other_than_80_and_443_need_the_allow_list(
    internal: tuple[int, list[str]],
    tmp_path: Path,
    embedder: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, hits = internal
    monkeypatch.setattr("ingest.urlguard.is_public_ip", lambda a: True)  # 127.0.0.1 "public"
    url = f"http://127.0.0.1:{port}/page"
    refused = _library(tmp_path / "a", embedder).add([url], public_urls=True)
    assert "only the standard ports" in refused.failed[0].error and hits == []
    allowed = _library(tmp_path / "b", embedder, url_allow=f"127.0.0.1:{port}")
    assert allowed.add([url], public_urls=True).failed == []
    denied = _library(
        tmp_path / "c", embedder, url_allow=f"127.0.0.1:{port}", url_deny="127.0.0.0/8"
    )
    assert [f.error for f in denied.add([url], public_urls=True).failed] == [NOT_FETCHED]
    assert hits == ["/page"]


def test_refused_closed_and_silent_addresses_read_the_same(
    tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts, never answers
    silent_port = silent.getsockname()[1]
    try:
        library = _library(
            tmp_path,
            embedder,
            url_allow=f"127.0.0.1:{closed_port},127.0.0.1:{silent_port}",
            url_timeout=0.5,
        )
        urls = [
            "http://10.0.0.1/",  # private: refused before connecting
            f"http://127.0.0.1:{closed_port}/",  # allowed, connection refused
            f"http://127.0.0.1:{silent_port}/",  # allowed, times out
        ]
        report = library.add(urls, public_urls=True)
    finally:
        silent.close()
    assert [f.error for f in report.failed] == [NOT_FETCHED] * 3


def test_the_cli_may_still_fetch_local_pages(internal: tuple[int, list[str]]) -> None:
    port, _hits = internal
    (doc,) = fetch_url(f"http://127.0.0.1:{port}/page", timeout=5, max_bytes=10**6).documents
    assert "harmless public page" in doc.text
