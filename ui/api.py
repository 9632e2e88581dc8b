"""The named API for programs (``gradio_client``): /ask, /ingest, /ingest_urls and
/documents.

Each returns exactly the JSON of the matching CLI command: ``rag ask --json``,
``rag ingest --json`` (both ingests) and ``rag docs list --json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gradio as gr

from core.errors import RagError
from rag.answers import Turn
from rag.conversation import MAX_HISTORY_TURNS
from ui.backend import Backend
from ui.render import message_text

MAX_URLS = 50


def turns_from(history: Any) -> list[Turn]:
    """Earlier exchanges, given as chat messages (``{"role", "content"}``, as the
    Chatbot and OpenAI use), ``[question, answer]`` pairs or ``{"question", "answer"}``."""
    if not history:
        return []
    if not isinstance(history, list):
        raise gr.Error("history must be a list of messages or [question, answer] pairs")
    if len(history) > 2 * MAX_HISTORY_TURNS:
        raise gr.Error(
            f"history has {len(history)} items; send at most the last {MAX_HISTORY_TURNS} turns"
        )
    turns: list[Turn] = []
    for item in history:
        if isinstance(item, dict) and "role" in item:
            content = message_text(item.get("content"))
            if item["role"] == "user":
                turns.append(Turn(content))
            elif item["role"] == "assistant" and turns:
                turns[-1] = Turn(turns[-1].question, content)
        elif isinstance(item, dict) and "question" in item:
            turns.append(Turn(str(item["question"]), str(item.get("answer") or "")))
        elif isinstance(item, list | tuple) and len(item) == 2:
            turns.append(Turn(str(item[0] or ""), str(item[1] or "")))
        else:
            raise gr.Error(f"history item {item!r} is neither a message nor a pair")
    return [t for t in turns if t.question]


class Api:
    """Bound to one Backend; each method is one named endpoint."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def ask(
        self,
        question: str,
        history: list[Any] | None = None,
        collection: str | None = None,
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Answer a question from the documents; the JSON of `rag ask --json`.

        history: earlier exchanges, as [{"role": "user"|"assistant", "content": str}, ...]
        or [[question, answer], ...]; follow-up questions are rewritten with it.
        collection: answer from this one collection only (one of `/collections`).
        """
        try:
            user = self.backend.user(request)
            where = self.backend.collection_filter(collection, user)
            answer = self.backend.library.ask(
                question, turns_from(history), search_filter=where, user=user
            )
            return answer.to_json()
        except RagError as e:
            raise gr.Error(str(e)) from e

    def collections(self, request: gr.Request | None = None) -> list[dict[str, Any]]:
        """The collections you may read: name, documents, passages, writable."""
        try:
            user = self.backend.user(request)
            return self.backend.library.collections(user)
        except RagError as e:
            raise gr.Error(str(e)) from e

    def ingest(
        self,
        files: Sequence[str] | None,
        collection: str | None = None,
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Add or update uploaded files; the JSON of `rag ingest --json`.

        collection: where they go (one you may write; by default your own)."""
        if not files:
            raise gr.Error("no files were sent; pass a list of handle_file(path)")
        try:
            user = self.backend.user(request)
            report, _names = self.backend.ingest_uploads(
                list(files), user=user, collection=collection or None
            )
        except RagError as e:
            raise gr.Error(str(e)) from e
        return report.to_json()

    def ingest_urls(
        self,
        urls: list[str] | None,
        collection: str | None = None,
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Fetch web pages and add or update them; the JSON of `rag ingest --json`.

        urls: http(s) addresses. The server fetches only public addresses on the
        standard ports (or what its operator allows); a refused one is under "failed".
        """
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise gr.Error('urls must be a list of addresses, e.g. ["https://example.org/a"]')
        if not urls:
            raise gr.Error("no urls were sent; pass a list of http(s) addresses")
        if len(urls) > MAX_URLS:
            raise gr.Error(f"{len(urls)} urls were sent; send at most {MAX_URLS} at a time")
        try:  # one address a line, as typed in the window's box
            user = self.backend.user(request)
            lines = "\n".join(u.strip() for u in urls)
            report, _names = self.backend.ingest_uploads(
                [], lines, user=user, collection=collection or None
            )
        except RagError as e:
            raise gr.Error(str(e)) from e
        return report.to_json()

    def documents(self, request: gr.Request | None = None) -> list[dict[str, Any]]:
        """The stored documents; the JSON of `rag docs list --json`."""
        try:
            user = self.backend.user(request)
            return [r.summary() for r in self.backend.library.documents(user)]
        except RagError as e:
            raise gr.Error(str(e)) from e
