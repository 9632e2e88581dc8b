"""Checking logins (``RAG_AUTH``, the users file) for the window and the doors, with
throttling: after ``MAX_FAILURES`` wrong passwords for one user name within ``WINDOW``
seconds, every attempt for that name is refused for ``LOCKOUT`` seconds, the right
password too, so a password cannot be guessed at hundreds of tries a second. The same
holds per client address after ``MAX_ADDRESS_FAILURES`` (more, since an office shares
one address), so one machine cannot try many names either.

The window's login form is checked by Gradio, which passes only the name and the
password; ``login_address`` carries the client's address to the check (set by the
route in front of Gradio's ``/login``, see ``ui.login_route``)."""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from contextvars import ContextVar

MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
WINDOW = 60.0
LOCKOUT = 60.0


login_address: ContextVar[str | None] = ContextVar("login_address", default=None)


class LoginGuard:
    def __init__(
        self,
        logins: Sequence[tuple[str, str]],
        clock: Callable[[], float] = time.monotonic,
        *,
        verify: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.logins = list(logins)
        self.verify = verify  # checks passwords instead of ``logins`` (the users file's)
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, user: str, password: str, address: str | None = None) -> bool:
        """Whether ``user:password`` is a login, and neither the name nor the client's
        address (``address``, else ``login_address``) is locked out."""
        now = self.clock()
        address = address or login_address.get()
        if self.locked(user, address):
            return False
        found = self.verify(user, password) if self.verify else False
        for name, secret in self.logins:  # every login is compared: timing tells nothing
            same_user = hmac.compare_digest(name.encode(), user.encode())
            same_secret = hmac.compare_digest(secret.encode(), password.encode())
            found = found or (same_user and same_secret)
        if not found:
            self._fail(f"user:{user}", now, MAX_FAILURES)
            if address:
                self._fail(f"address:{address}", now, MAX_ADDRESS_FAILURES)
        return found

    def locked(self, user: str | None, address: str | None) -> bool:
        now = self.clock()
        keys = [f"user:{user}"] if user is not None else []
        keys += [f"address:{address}"] if address else []
        with self._lock:
            return any(self._locked_until.get(k, 0.0) > now for k in keys)

    def _fail(self, key: str, now: float, limit: int) -> None:
        with self._lock:
            failures = self._failures[key]
            failures.append(now)
            while failures and failures[0] < now - WINDOW:
                failures.popleft()
            if len(failures) >= limit:
                self._locked_until[key] = now + LOCKOUT
                failures.clear()
