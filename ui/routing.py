"""Routes of ours put in front of Gradio's own catch-all routes on its FastAPI app."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter


def mount_first(app: Any, *parts: Any) -> None:
    """Add routers (``APIRouter``) and single routes to ``app`` ahead of every route it
    has already, so that Gradio's catch-all ones do not answer for them."""
    before = len(app.router.routes)
    for part in parts:
        if isinstance(part, APIRouter):
            app.include_router(part)
        else:
            app.router.routes.append(part)
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[:0] = added
