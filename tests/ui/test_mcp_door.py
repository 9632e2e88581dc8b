"""The MCP door on the live app, through the ``mcp`` SDK's own client over streamable
HTTP: the tools and their schemas, each tool's JSON against the library's, refused
URLs, tool errors and the bearer login."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from core.errors import StoreError
from ingest.urlguard import NOT_FETCHED, UrlPolicy

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp

QUESTION = "How much will the Eastside tram line in Corvale cost?"
T = TypeVar("T")


def mcp_call(
    app: LiveApp, use: Callable[[ClientSession], Awaitable[T]], token: str | None = None
) -> T:
    """Open a session on the app's ``/mcp``, initialize it and run ``use`` with it."""

    async def main() -> T:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        async with (
            httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(120)) as http,
            streamable_http_client(app.url + "mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await use(session)

    return anyio.run(main)


def call_tool(app: LiveApp, name: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
    return mcp_call(app, lambda session: session.call_tool(name, arguments or {}))


def text_json(result: CallToolResult) -> Any:
    assert not result.is_error, result.content
    assert len(result.content) == 1 and result.content[0].type == "text"
    return json.loads(result.content[0].text)


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    return " ".join(c.text for c in result.content if c.type == "text")


def test_the_four_tools_have_typed_input_schemas(live_app: LiveApp) -> None:
    listed = mcp_call(live_app, lambda session: session.list_tools())
    tools = {t.name: t for t in listed.tools}
    assert set(tools) == {"search", "ask", "add_document", "list_documents"}
    assert all(t.description for t in tools.values())

    search = tools["search"].input_schema
    assert search["required"] == ["query"]
    assert search["properties"]["query"]["type"] == "string"
    k = next(s for s in search["properties"]["k"]["anyOf"] if s["type"] == "integer")
    assert (k["minimum"], k["maximum"]) == (1, 200)

    ask = tools["ask"].input_schema
    assert ask["required"] == ["question"]
    assert ask["properties"]["question"]["maxLength"] == 4000
    history = json.dumps(ask)
    assert '"enum": ["user", "assistant", "system"]' in history and '"content"' in history

    add = tools["add_document"].input_schema
    assert set(add["properties"]) == {"text", "title", "url"} and not add.get("required")
    assert tools["list_documents"].input_schema["properties"] == {}

    assert tools["search"].annotations and tools["search"].annotations.read_only_hint
    assert tools["add_document"].annotations
    assert tools["add_document"].annotations.read_only_hint is False
    assert all(t.output_schema and t.output_schema["type"] == "object" for t in tools.values())


def test_search_is_rag_search_json(live_app: LiveApp) -> None:
    result = call_tool(live_app, "search", {"query": "tram line cost", "k": 3})
    expected = {
        "query": "tram line cost",
        "results": [r.to_json() for r in live_app.library.search("tram line cost", 3)],
    }
    assert text_json(result) == expected == result.structured_content
    assert len(expected["results"]) == 3


def test_ask_is_rag_ask_json(live_app: LiveApp) -> None:
    result = call_tool(live_app, "ask", {"question": QUESTION})
    expected = {"id": None, **live_app.library.ask(QUESTION).to_json()}
    assert text_json(result) == expected == result.structured_content
    assert "412 million" in expected["answer"] and expected["citations"]


def test_ask_follows_up_with_the_history(live_app: LiveApp) -> None:
    history = [
        {"role": "user", "content": "What did Moore say about AI?"},
        {"role": "assistant", "content": "Moore said MI6 pairs AI with bulk data. [1]"},
    ]
    answer = text_json(
        call_tool(live_app, "ask", {"question": "Where did he say it?", "history": history})
    )
    assert "Moore" in answer["standalone_question"] and "Prague" in answer["answer"]


def test_list_documents_is_rag_docs_list_json(live_app: LiveApp) -> None:
    result = call_tool(live_app, "list_documents")
    expected = [r.summary() for r in live_app.library.documents()]
    assert text_json(result) == expected and len(expected) >= 8
    assert result.structured_content == {"result": expected}


def test_add_document_with_text(live_app: LiveApp) -> None:
    text = (
        "The town of Quillton opened a floating library on a converted ferry on Friday.\n"
        "The ferry, named Marigold, holds 4,800 books and docks at a different pier each week.\n"
    )
    title = 'Quillton: a "floating" library\n# not a heading'
    report = text_json(call_tool(live_app, "add_document", {"text": text, "title": title}))
    assert report["failed"] == [] and len(report["added"]) == 1
    added = report["added"][0]
    assert added["title"] == 'Quillton: a "floating" library # not a heading'
    source = Path(added["source"])
    assert source.parent == (live_app.home / "uploads").resolve()
    assert source.name.startswith("mcp-") and source.suffix == ".md"
    assert source.read_text(encoding="utf-8").endswith(text)

    hits = text_json(call_tool(live_app, "search", {"query": "Marigold ferry books"}))
    assert hits["results"][0]["doc_id"] == added["doc_id"]
    listed = text_json(call_tool(live_app, "list_documents"))
    assert added["doc_id"] in {d["doc_id"] for d in listed}


@pytest.fixture
def site(tmp_path: Path, sample_corpus: Path) -> Iterator[str]:
    root = tmp_path / "site"
    root.mkdir()
    shutil.copy(sample_corpus / "corvale-tram-line.html", root / "article.html")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/article.html"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_add_document_with_a_url_fetches_it(
    live_app: LiveApp, site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the page is served on loopback, which the door refuses unless the operator allows it
    port = urlsplit(site).port
    refused = error_text(call_tool(live_app, "add_document", {"url": site}))
    assert "only the standard ports" in refused
    allowed = UrlPolicy.from_lists(allow=f"127.0.0.1:{port}")
    monkeypatch.setattr("rag.library.UrlPolicy.from_lists", lambda *lists: allowed)
    report = text_json(call_tool(live_app, "add_document", {"url": site}))
    assert report["failed"] == []
    outcomes = report["added"] + report["duplicates"] + report["unchanged"]
    assert [o["source"] for o in outcomes] == [site]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:7860/", "only the standard ports"),
        ("http://127.0.0.1/", NOT_FETCHED),
        ("http://localhost/", NOT_FETCHED),
        ("http://[::1]/", NOT_FETCHED),
        ("http://169.254.169.254/latest/meta-data/", NOT_FETCHED),
        ("file:///etc/passwd", "only http:// and https://"),
    ],
)
def test_urls_on_non_public_addresses_are_refused(live_app: LiveApp, url: str, reason: str) -> None:
    before = len(live_app.library.documents())
    message = error_text(call_tool(live_app, "add_document", {"url": url}))
    assert url in message and reason in message
    assert len(live_app.library.documents()) == before


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ({"text": "Some text.", "url": "https://example.org/"}, "either `text`"),
        ({}, "either `text`"),
        ({"text": "Some text."}, "needs a `title`"),
        ({"text": "  \n", "title": "Empty"}, "is empty"),
    ],
)
def test_add_document_needs_text_with_a_title_or_a_url(
    live_app: LiveApp, arguments: dict[str, str], reason: str
) -> None:
    assert reason in error_text(call_tool(live_app, "add_document", arguments))


def test_bad_history_is_a_tool_error(live_app: LiveApp) -> None:
    history = [{"role": "assistant", "content": "Hello."}]
    result = call_tool(live_app, "ask", {"question": "And then?", "history": history})
    assert "must follow a user one" in error_text(result)


def test_library_errors_become_tool_errors_with_their_message(
    live_app: LiveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("the Chroma server at http://db:8000 is unreachable; start it")

    monkeypatch.setattr(live_app.library, "search", broken)
    result = call_tool(live_app, "search", {"query": "tram"})
    # the SDK puts "Error executing tool search: " before the message
    assert error_text(result).endswith(
        ": the Chroma server at http://db:8000 is unreachable; start it"
    )


def test_plain_json_rpc_works_as_the_readme_shows(live_app: LiveApp) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    response = httpx.post(live_app.url + "mcp", json=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    names = {t["name"] for t in response.json()["result"]["tools"]}
    assert names == {"search", "ask", "add_document", "list_documents"}


def test_the_high_level_client_on_the_newest_protocol(live_app: LiveApp) -> None:
    async def main() -> tuple[str, CallToolResult]:
        async with Client(live_app.url + "mcp") as client:
            return client.protocol_version, await client.call_tool("search", {"query": "tram"})

    version, result = anyio.run(main)
    assert version in MODERN_PROTOCOL_VERSIONS
    assert text_json(result)["results"][0]["title"]


def test_get_and_delete_are_not_offered(live_app: LiveApp) -> None:
    # stateless: no stream of server messages to hold open, no session to end
    for method in ("GET", "DELETE"):
        response = httpx.request(method, live_app.url + "mcp", timeout=10)
        assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_a_foreign_host_header_is_refused(live_app: LiveApp) -> None:
    # a web page on evil.example that resolves to 127.0.0.1 (DNS rebinding) gets nothing
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream", "Host": "evil.example"}
    response = httpx.post(live_app.url + "mcp", json=body, headers=headers, timeout=30)
    assert response.status_code == 421  # the SDK's DNS-rebinding check


def test_logins_are_bearer_tokens(live_app_factory: Callable[..., LiveApp]) -> None:
    app = live_app_factory(corpus=False, auth="ann:s3cret")
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for token in (None, "ann:wrong", "bob:s3cret"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(app.url + "mcp", json=body, headers=headers, timeout=30)
        assert response.status_code == 401
        assert "Bearer user:password" in response.json()["detail"]
        assert response.headers["www-authenticate"] == "Bearer"
    result = mcp_call(
        app, lambda session: session.call_tool("list_documents", {}), token="ann:s3cret"
    )
    assert text_json(result) == []
