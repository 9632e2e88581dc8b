"""The route in front of Gradio's ``POST /login`` that throttles the window's logins per
client address (Gradio hands its login check only the name and the password)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from ui.logins import LoginGuard, login_address
from ui.routing import mount_first


def guard_login_route(app: Any, guard: LoginGuard) -> None:
    """Put a route in front of Gradio's ``POST /login`` that refuses a locked-out client
    address at once and hands the address to the check (``login_address``), so the
    window's login is throttled per address as well as per name."""
    originals = {
        r.path: r.endpoint
        for r in app.router.routes
        if getattr(r, "path", "") in ("/login", "/login/") and "POST" in getattr(r, "methods", ())
    }
    if not originals:
        raise RuntimeError("Gradio's /login route was not found; cannot throttle logins")

    def throttled(original: Any) -> Any:
        async def login(
            request: Request,
            form_data: OAuth2PasswordRequestForm = Depends(),  # noqa: B008 (FastAPI's way)
        ) -> Any:
            address = request.client.host if request.client else None
            if guard.locked(None, address):
                return JSONResponse({"detail": "Too many failed logins; wait a minute."}, 429)
            token = login_address.set(address)
            try:
                return await original(request, form_data)
            finally:
                login_address.reset(token)

        return login

    router = APIRouter()
    for path, original in originals.items():
        router.add_api_route(path, throttled(original), methods=["POST"], include_in_schema=False)
    mount_first(app, router)
