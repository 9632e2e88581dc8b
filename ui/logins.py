"""Checking logins (``RAG_AUTH``) for the window and the doors, with throttling: after
``MAX_FAILURES`` wrong passwords for one user name within ``WINDOW`` seconds, every
attempt for that name is refused for ``LOCKOUT`` seconds, the right password too, so a
password cannot be guessed at hundreds of tries a second."""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence

MAX_FAILURES = 5
WINDOW = 60.0
LOCKOUT = 60.0


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

    def check(self, user: str, password: str) -> bool:
        """Whether ``user:password`` is a login, and the name is not locked out."""
        now = self.clock()
        with self._lock:
            if self._locked_until.get(user, 0.0) > now:
                return False
        found = self.verify(user, password) if self.verify else False
        for name, secret in self.logins:  # every login is compared: timing tells nothing
            same_user = hmac.compare_digest(name.encode(), user.encode())
            same_secret = hmac.compare_digest(secret.encode(), password.encode())
            found = found or (same_user and same_secret)
        if not found:
            self._fail(user, now)
        return found

    def _fail(self, user: str, now: float) -> None:
        with self._lock:
            failures = self._failures[user]
            failures.append(now)
            while failures and failures[0] < now - WINDOW:
                failures.popleft()
            if len(failures) >= MAX_FAILURES:
                self._locked_until[user] = now + LOCKOUT
                failures.clear()
