"""The MCP door: tools ``search``, ``ask``, ``add_document`` and ``list_documents`` over
MCP's streamable HTTP transport at ``/mcp`` on the chat window's own server, so Claude
Desktop, Cursor, VS Code or any MCP client can use the library.

Each tool's text is the JSON of the matching CLI command (``rag search --json``,
``rag ask --json``, ``rag ingest --json``, ``rag docs list --json``) and its structured
content the same object. When logins are on (``RAG_AUTH``), requests carry
``Authorization: Bearer user:password``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import (
    DEFAULT_MAX_REQUEST_BODY_SIZE,
    StreamableHTTPSessionManager,
)
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from core.errors import RagError
from rag.access import Principal
from rag.conversation import turns_from_messages
from rag.library import MAX_QUESTION_CHARS, Library
from rag.uploads import collection_folder
from ui.bearer import HINT, bearer_user
from ui.logins import LoginGuard

PATH = "/mcp"
MAX_TITLE_CHARS = 300
INSTRUCTIONS = (
    "A library of the user's articles and documents. Use `search` to find passages, "
    "`ask` for an answer whose claims cite passages as [n], `list_documents` to see "
    "what is stored and `add_document` to add text or a web page."
)

T = TypeVar("T")
JsonObject = Annotated[CallToolResult, dict[str, Any]]
JsonList = Annotated[CallToolResult, list[dict[str, Any]]]


class HistoryMessage(BaseModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant", "system"]
    content: str


def _json(data: dict[str, Any] | list[dict[str, Any]]) -> CallToolResult:
    """The CLI's JSON as the text; an object as the structured content (a list goes
    under ``result``, as the SDK wraps non-object outputs)."""
    text = json.dumps(data, ensure_ascii=False)
    structured = data if isinstance(data, dict) else {"result": data}
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=structured
    )


def _library_call(call: Callable[[], T]) -> T:
    """Run a library call; its errors become tool errors the model can read."""
    try:
        return call()
    except RagError as e:
        raise ToolError(str(e)) from e


USER_KEY = "rag.user"  # where McpEndpoint leaves the checked login in the ASGI scope


def _user(library: Library, ctx: Context) -> Principal:
    """Whom a tool call acts for: the login McpEndpoint checked for its HTTP request."""
    request = ctx.request_context.request
    scope = getattr(request, "scope", None) or {}
    return _library_call(lambda: library.principal(scope.get(USER_KEY)))


def build_server(library: Library) -> MCPServer:
    """The MCP server with the four tools, bound to one library."""
    server: MCPServer = MCPServer(name="rag-chat", instructions=INSTRUCTIONS)
    reading = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    @server.tool(annotations=reading)
    def search(
        query: Annotated[str, Field(min_length=1, description="What to search for.")],
        k: Annotated[
            int | None,
            Field(ge=1, le=200, description="Number of passages (default: RAG_TOP_K)."),
        ] = None,
        ctx: Context = None,  # type: ignore[assignment]  # the SDK passes it
    ) -> JsonObject:
        """Find the passages that best match a query (dense + keyword search), at most
        one per document; the JSON of `rag search --json`."""
        user = _user(library, ctx)
        results = _library_call(lambda: library.search(query, k, user=user))
        return _json({"query": query, "results": [r.to_json() for r in results]})

    @server.tool(annotations=reading)
    def ask(
        question: Annotated[
            str, Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The question.")
        ],
        history: Annotated[
            list[HistoryMessage] | None,
            Field(description="The conversation so far, oldest first, for follow-ups."),
        ] = None,
        ctx: Context = None,  # type: ignore[assignment]  # the SDK passes it
    ) -> JsonObject:
        """Answer a question from the documents, citing each claim as [n]; the JSON of
        `rag ask --json` (answer, citations with quotes, abstained)."""
        try:
            turns = turns_from_messages([m.model_dump() for m in history or []])
        except ValueError as e:
            raise ToolError(str(e)) from e
        user = _user(library, ctx)
        answer = _library_call(lambda: library.ask(question, turns, user=user))
        return _json({"id": None, **answer.to_json()})

    @server.tool(annotations=reading)
    def list_documents(ctx: Context = None) -> JsonList:  # type: ignore[assignment]
        """List the stored documents (id, source, title, passages, date, ...); the JSON
        of `rag docs list --json`."""
        user = _user(library, ctx)
        return _json([r.summary() for r in _library_call(lambda: library.documents(user))])

    @server.tool(
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True
        )
    )
    def add_document(
        text: Annotated[
            str | None, Field(description="The document's text (Markdown); give a title.")
        ] = None,
        title: Annotated[
            str | None, Field(max_length=MAX_TITLE_CHARS, description="The title of `text`.")
        ] = None,
        url: Annotated[
            str | None, Field(description="Instead of text: a public http(s) page or file.")
        ] = None,
        ctx: Context = None,  # type: ignore[assignment]  # the SDK passes it
    ) -> JsonObject:
        """Add a document, either `text` with a `title` or a `url` to fetch; the JSON of
        `rag ingest --json` (added, updated, unchanged, duplicates, failed)."""
        if (text is None) == (url is None):
            raise ToolError("give either `text` (with a `title`) or a `url`, not both")
        user = _user(library, ctx)
        if url is not None:
            report = _library_call(lambda: library.add([url], public_only=True, user=user))
            return _json(report.to_json())
        assert text is not None
        collection = _library_call(lambda: user.writable_target(None))
        path = _write_text(library, text, title, collection)
        report = _library_call(lambda: library.add([str(path)], user=user))
        if report.failed:
            path.unlink(missing_ok=True)  # nothing was stored; leave no stray file
        return _json(report.to_json())

    return server


def _write_text(library: Library, text: str, title: str | None, collection: str) -> Path:
    """``text`` as a Markdown file with its title in front matter, under a generated name
    in ``<RAG_HOME>/uploads``."""
    title = " ".join((title or "").split())
    if not title:
        raise ToolError("`text` needs a `title`")
    if not text.strip():
        raise ToolError("`text` is empty; give the document's text")
    data = f"---\n{yaml.safe_dump({'title': title}, allow_unicode=True, width=10**6)}---\n\n"
    data += text if text.endswith("\n") else text + "\n"
    encoded = data.encode("utf-8")
    limit = library.settings.max_file_bytes
    if len(encoded) > limit:
        raise ToolError(
            f"the text is {len(encoded) / 2**20:.1f} MiB, over the limit of "
            f"{limit / 2**20:.0f} MiB; split it or raise RAG_MAX_FILE_MB"
        )
    uploads = collection_folder(library.settings.uploads_path, collection)
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / f"mcp-{uuid.uuid4().hex}.md"
    path.write_bytes(encoded)
    return path


class McpEndpoint:
    """The ASGI app at ``/mcp``: checks the login, then hands the request to the SDK's
    session manager.

    The manager's task group must live on the event loop that serves the requests, and
    Gradio's server has started (and run its app's lifespan) before the doors are
    mounted; so the first request starts the manager on that loop, in a task that runs
    until the server stops and cancels it."""

    def __init__(self, manager: StreamableHTTPSessionManager, logins: LoginGuard | None) -> None:
        self.manager = manager
        self.logins = logins
        self._ready: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            # stateless: no session to end (DELETE) and no stream of server messages
            # (GET), which the SDK would hold open with nothing to send
            not_allowed = PlainTextResponse(
                "Method Not Allowed: send MCP messages with POST", 405, headers={"Allow": "POST"}
            )
            await not_allowed(scope, receive, send)
            return
        if self.logins:
            request = Request(scope)
            authorization = request.headers.get("authorization", "")
            address = request.client.host if request.client else None
            user = bearer_user(authorization, self.logins, address)
            scope[USER_KEY] = user
            if user is None:
                unauthorized = JSONResponse(
                    {"detail": HINT}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
                await unauthorized(scope, receive, send)
                return
        await self._started()
        await self.manager.handle_request(scope, receive, send)

    async def _started(self) -> None:
        if self._task is None:  # no await before the task is set: one start per loop
            ready = self._ready = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(ready))
            self._task.add_done_callback(lambda _task: ready.set())
        assert self._ready is not None
        await self._ready.wait()
        if self._task.done():
            self._task.result()  # raises what stopped it
            raise RuntimeError("the MCP session manager has stopped")

    async def _run(self, ready: asyncio.Event) -> None:
        async with self.manager.run():
            ready.set()
            await asyncio.Event().wait()  # until the server's loop cancels it


def route(library: Library, logins: LoginGuard | None = None, host: str = "127.0.0.1") -> Route:
    """The ``/mcp`` route, bound to one library. Stateless JSON responses: every request
    stands alone, so nothing outlives it and any number of clients can connect."""
    server = build_server(library)
    server.streamable_http_app(  # builds the session manager; its own app is not used
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        host=host,  # a loopback host turns on the SDK's DNS-rebinding check
        max_request_body_size=max(
            DEFAULT_MAX_REQUEST_BODY_SIZE, 2 * library.settings.max_file_bytes
        ),
    )
    return Route(PATH, endpoint=McpEndpoint(server.session_manager, logins))
