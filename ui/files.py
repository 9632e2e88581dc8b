"""Routes for the originals behind the Sources panel: ``GET /files/{doc_id}`` opens (or
with ``?download=1`` downloads) a stored document's file, and
``GET /files/{doc_id}/pages/{page}.png`` is a PDF page as an image.

Who may open what is decided by ``rag.originals.original_file``; these routes only
find the user: the window's login cookie, or a bearer token as the other doors take.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from core.errors import AccessError, UsageError
from rag.access import Principal
from rag.library import Library
from rag.originals import original_file, page_png
from ui.bearer import user_of
from ui.logins import LoginGuard
from ui.routing import mount_first

# Shown in the browser; anything else (HTML above all: it would run as a page of ours)
# is downloaded as bytes.
_INLINE = {".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8"}
_INLINE[".md"] = _INLINE[".txt"]


def mount(app: Any, library: Library, logins: LoginGuard | None, pages: Path) -> None:
    """Put the routes in front of Gradio's own on its FastAPI ``app``, whose login
    cookies name the window's user; rendered pages are kept under ``pages``."""
    mount_first(app, _router(app, library, logins, pages))


def _router(app: Any, library: Library, logins: LoginGuard | None, pages: Path) -> APIRouter:
    routes = APIRouter()

    def principal(request: Request) -> Principal:
        if logins is None:
            return library.principal(None)
        cookie = request.cookies.get(f"access-token-{app.cookie_id}") or request.cookies.get(
            f"access-token-unsecure-{app.cookie_id}"
        )
        name = app.tokens.get(cookie) if cookie else None
        if name is None:
            name = user_of(request, logins)  # a 401 when no bearer login either
        try:
            return library.principal(name)
        except AccessError as e:
            raise HTTPException(403, str(e)) from e

    # the page route first: a doc id may hold a '/' (its collection)
    @routes.get("/files/{doc_id:path}/pages/{page}.png", include_in_schema=False)
    def page(doc_id: str, page: int, request: Request) -> FileResponse:
        try:
            record, path = original_file(library, principal(request), doc_id)
            png = page_png(record, path, page, pages)
        except UsageError as e:
            raise HTTPException(404, str(e)) from e
        headers = {"Cache-Control": "private, max-age=3600"}
        return FileResponse(png, media_type="image/png", headers=headers)

    @routes.get("/files/{doc_id:path}", include_in_schema=False)
    def original(doc_id: str, request: Request, download: bool = False) -> FileResponse:
        try:
            _record, path = original_file(library, principal(request), doc_id)
        except UsageError as e:
            raise HTTPException(404, str(e)) from e
        shown = None if download else _INLINE.get(path.suffix.lower())
        return FileResponse(
            path,
            filename=path.name,
            content_disposition_type="inline" if shown else "attachment",
            media_type=shown or "application/octet-stream",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private"},
        )

    return routes
