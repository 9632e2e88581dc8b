"""The OpenAI-compatible door: ``GET /v1/models`` and ``POST /v1/chat/completions`` on
the chat window's own server, so Open WebUI, LibreChat, Continue or any OpenAI SDK can
use the library as a model whose answers carry citations.

The reply's content is the answer with its ``[n]`` markers and a Markdown "Sources"
list; the response also carries ``citations``, the objects of ``rag ask --json``.
``stream: true`` sends server-sent events in OpenAI's chunk format. When logins are
on (``RAG_AUTH``), the API key is ``user:password``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from core.errors import RagError, UsageError
from rag.access import LOCAL, Principal
from rag.answers import Answer, Turn
from rag.conversation import turns_from_messages
from rag.library import Library
from ui.bearer import user_of
from ui.logins import LoginGuard
from ui.render import split_statements

MODEL = "rag"
OWNER = "rag-chat"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """The fields we read; others that clients send (top_p, user, ...) are accepted."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    temperature: float | None = None  # extractive answers ignore it


def content_text(content: str | list[dict[str, Any]] | None) -> str:
    """A message's text: OpenAI content is a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    parts = content or []
    return " ".join(str(p.get("text", "")) for p in parts if p.get("type", "text") == "text")


def question_and_history(messages: Sequence[ChatMessage]) -> tuple[str, list[Turn]]:
    """The last user message is the question; the messages before it, the history."""
    plain = [{"role": m.role, "content": content_text(m.content)} for m in messages]
    while plain and plain[-1]["role"] != "user":
        plain.pop()  # a trailing assistant or system message asks nothing
    if not plain or not plain[-1]["content"].strip():
        raise HTTPException(400, "the last message must be a user message with a question")
    try:
        question = Library.check_question(plain[-1]["content"])
    except UsageError as e:
        raise HTTPException(400, str(e)) from e
    try:
        history = turns_from_messages(plain[:-1])
    except ValueError as e:
        raise HTTPException(400, str(e)) from e
    return question, history


def sources_markdown(answer: Answer) -> str:
    """The answer's citations as a Markdown list: number, title (linked), the quote."""
    if not answer.citations:
        return ""
    lines = ["", "", "**Sources**", ""]
    for c in answer.citations:
        title = f"[{c.title}]({c.url})" if c.url else c.title
        quote = " ".join(c.quote.split())
        lines.append(f"{c.n}. {title}: \u201c{quote}\u201d")
    return "\n".join(lines)


def completion(answer: Answer, model: str, completion_id: str) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.text + sources_markdown(answer)},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "citations": [c.to_json() for c in answer.citations],
        "answer": answer.to_json(),
    }


def _chunk(completion_id: str, model: str, delta: dict[str, Any], **extra: Any) -> str:
    body = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": extra.pop("finish", None)}],
        **extra,
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def stream_events(
    library: Library,
    question: str,
    history: list[Turn],
    model: str,
    completion_id: str,
    user: Principal = LOCAL,
) -> Iterator[str]:
    """The answer as OpenAI chunks, statement by statement, then its sources and the
    citations. An LLM's raw draft is not sent: only the verified answer is."""
    yield _chunk(completion_id, model, {"role": "assistant", "content": ""})
    try:
        answer = next(
            item
            for item in library.stream(question, history, user=user)
            if isinstance(item, Answer)
        )
    except RagError as e:
        yield _chunk(completion_id, model, {"content": f"Error: {e}"}, finish="stop")
        yield "data: [DONE]\n\n"
        return
    statements = split_statements(answer.text) or [answer.text]
    for i, statement in enumerate(statements):
        yield _chunk(completion_id, model, {"content": ("" if i == 0 else " ") + statement})
    sources = sources_markdown(answer)
    if sources:
        yield _chunk(completion_id, model, {"content": sources})
    yield _chunk(
        completion_id,
        model,
        {},
        finish="stop",
        citations=[c.to_json() for c in answer.citations],
    )
    yield "data: [DONE]\n\n"


def router(library: Library, logins: LoginGuard | None = None) -> APIRouter:
    """The ``/v1`` routes, bound to one library."""
    api = APIRouter(prefix="/v1")

    @api.get("/models")
    def models(request: Request) -> dict[str, Any]:
        user_of(request, logins)
        return {
            "object": "list",
            "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": OWNER}],
        }

    @api.post("/chat/completions", response_model=None)
    def chat(body: ChatRequest, request: Request) -> JSONResponse | StreamingResponse:
        try:
            user = library.principal(user_of(request, logins))
        except RagError as e:
            raise HTTPException(403, str(e)) from e
        if body.model != MODEL:
            raise HTTPException(404, f"no model {body.model!r}; GET /v1/models lists them")
        question, history = question_and_history(body.messages)
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.stream:
            events = stream_events(library, question, history, body.model, completion_id, user)
            return StreamingResponse(events, media_type="text/event-stream")
        try:
            answer = library.ask(question, history, user=user)
        except RagError as e:
            raise HTTPException(503, str(e)) from e
        return JSONResponse(completion(answer, body.model, completion_id))

    return api
