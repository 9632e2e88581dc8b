"""Logins for the doors that programs use (OpenAI-compatible, MCP): when ``RAG_AUTH``
is on, each request carries ``Authorization: Bearer user:password``."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from fastapi import HTTPException, Request

Logins = Sequence[tuple[str, str]]

HINT = "send Authorization: Bearer user:password (one of RAG_AUTH's logins)"


def bearer_user(authorization: str, logins: Logins) -> str | None:
    """The login an ``Authorization`` header value names, or None if it names none."""
    scheme, _, token = authorization.partition(" ")
    user, _, password = token.strip().partition(":")
    found = None
    for name, secret in logins:  # every login is compared, so timing tells nothing
        same_user = hmac.compare_digest(name.encode(), user.encode())
        same_secret = hmac.compare_digest(secret.encode(), password.encode())
        if scheme.lower() == "bearer" and same_user and same_secret:
            found = name
    return found


def user_of(request: Request, logins: Logins | None) -> str | None:
    """The user a request's bearer token names (None when logins are off); a 401 when
    logins are on and it names none."""
    if not logins:
        return None
    user = bearer_user(request.headers.get("authorization", ""), logins)
    if user is None:
        raise HTTPException(401, HINT)
    return user
