"""The running app's door for the CLI of the same ``RAG_HOME`` (``rag.writer``).

``/internal/ping``, ``/internal/ingest``, ``/internal/remove``,
``/internal/remove_collection`` and ``/internal/reindex`` answer only requests from
this machine (127.0.0.1 or ::1) that carry the token of ``<RAG_HOME>/serve.json``,
which only the owner of ``RAG_HOME`` can read. They act as the machine's own user, as
the CLI does when no app runs.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field

from core.errors import RagError, UsageError
from rag.library import Library
from rag.writer import TOKEN_HEADER, RunningApp

LOCAL_CLIENTS = frozenset(["127.0.0.1", "::1"])
Token = Annotated[str | None, Header(alias=TOKEN_HEADER)]


class IngestBody(BaseModel):
    inputs: list[str] = Field(min_length=1, max_length=100_000)
    collection: str | None = None


class RemoveBody(BaseModel):
    targets: list[str] = Field(min_length=1, max_length=100_000)


class CollectionBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)


def router(library: Library, announced: RunningApp) -> APIRouter:
    routes = APIRouter(prefix="/internal", include_in_schema=False)

    def check(request: Request, token: str | None) -> None:
        client = request.client.host if request.client else ""
        if client not in LOCAL_CLIENTS or not hmac.compare_digest(
            (token or "").encode(), announced.token.encode()
        ):
            raise HTTPException(404, "Not Found")  # nothing here for anyone else

    @routes.get("/ping")
    def ping(request: Request, token: Token = None) -> dict[str, Any]:
        check(request, token)
        return {"pid": announced.pid}

    @routes.post("/ingest")
    def ingest(
        body: IngestBody,
        request: Request,
        token: Token = None,
    ) -> dict[str, Any]:
        check(request, token)
        return _answered(lambda: library.add(body.inputs, collection=body.collection).to_json())

    @routes.post("/remove")
    def remove(
        body: RemoveBody,
        request: Request,
        token: Token = None,
    ) -> dict[str, Any]:
        check(request, token)
        removed, unknown = _answered(lambda: library.remove(body.targets))
        return {"removed": [r.summary() for r in removed], "unknown": unknown}

    @routes.post("/remove_collection")
    def remove_collection(
        body: CollectionBody,
        request: Request,
        token: Token = None,
    ) -> dict[str, Any]:
        check(request, token)
        return _answered(lambda: library.remove_collection(body.name).to_json())

    @routes.post("/reindex")
    def reindex(request: Request, token: Token = None) -> dict[str, Any]:
        check(request, token)
        return _answered(lambda: {"passages": library.reindex()})

    return routes


T = TypeVar("T")


def _answered(call: Callable[[], T]) -> T:
    """``call()``, its errors as HTTP answers the CLI reports: a UsageError (what the
    user asked for is wrong) as 400, any other RagError as 500."""
    try:
        return call()
    except UsageError as e:
        raise HTTPException(400, str(e)) from e
    except RagError as e:
        raise HTTPException(500, str(e)) from e
