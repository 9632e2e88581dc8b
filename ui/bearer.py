"""Logins for the doors that programs use (OpenAI-compatible, MCP): when ``RAG_AUTH``
is on, each request carries ``Authorization: Bearer user:password``."""

from __future__ import annotations

from fastapi import HTTPException, Request

from ui.logins import LoginGuard

HINT = "send Authorization: Bearer user:password (one of RAG_AUTH's logins)"


def bearer_user(authorization: str, logins: LoginGuard, address: str | None = None) -> str | None:
    """The login an ``Authorization`` header value names, or None if it names none (or
    the name is locked out after too many wrong passwords)."""
    scheme, _, token = authorization.partition(" ")
    user, _, password = token.strip().partition(":")
    if scheme.lower() != "bearer" or not logins.check(user, password, address):
        return None
    return user


def user_of(request: Request, logins: LoginGuard | None) -> str | None:
    """The user a request's bearer token names (None when logins are off); a 401 when
    logins are on and it names none."""
    if not logins:
        return None
    address = request.client.host if request.client else None
    user = bearer_user(request.headers.get("authorization", ""), logins, address)
    if user is None:
        raise HTTPException(401, HINT)
    return user
