"""One writer per embedded store: the CLI sends its writes through a running app.

Embedded Chroma is not safe for two processes: a ``rag ingest`` beside a running
``rag serve`` on the same ``RAG_HOME`` corrupts what the app reads. So ``rag serve``
announces itself in ``<RAG_HOME>/serve.json`` (its pid, its port on 127.0.0.1 and a
random token, readable by the owner only), and the CLI's writes (``ingest``,
``docs remove``, ``collections remove``, ``reindex``) go to the app's
``/internal/...`` routes when that app answers, and to the store itself otherwise.
With a Chroma server (``RAG_CHROMA_URL``) every process writes directly: the server is
the one writer. For the same reason a second ``rag serve`` on an embedded store that
an app already serves is refused at its start (``refuse_second_app``).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from core.errors import RagError, StoreError, UsageError

ANNOUNCEMENT = "serve.json"
TOKEN_HEADER = "X-Rag-Token"
# An ingest through the app runs as long as the files take; the CLI waits for it.
WRITE_TIMEOUT = 3600.0


@dataclass(frozen=True)
class RunningApp:
    """A ``rag serve`` announced in a ``RAG_HOME``."""

    pid: int
    port: int
    token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def announce(home: Path, port: int) -> RunningApp:
    """Say that this process serves ``home`` on ``port``; returns the announcement."""
    app = RunningApp(os.getpid(), port, secrets.token_urlsafe(32))
    path = home / ANNOUNCEMENT
    tmp = path.with_name(f".{ANNOUNCEMENT}.{app.pid}.tmp")
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"pid": app.pid, "port": app.port, "token": app.token}, f)
        os.replace(tmp, path)
    except OSError as e:
        raise StoreError(
            f"cannot write {path}: {e.strerror}; check that RAG_HOME is writable"
        ) from e
    return app


def withdraw(home: Path, app: RunningApp) -> None:
    """Remove the announcement if it is still this app's."""
    path = home / ANNOUNCEMENT
    if running_in(home, check=False) == app:
        path.unlink(missing_ok=True)


def running_in(home: Path, check: bool = True) -> RunningApp | None:
    """The app announced in ``home``, if its process is alive (and, with ``check``,
    answers on its port); a stale announcement is ignored."""
    path = home / ANNOUNCEMENT
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        app = RunningApp(int(data["pid"]), int(data["port"]), str(data["token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(app.pid):
        return None
    if check and not _answers(app):
        return None
    return app


def refuse_second_app(home: Path, chroma_url: str | None) -> None:
    """A UsageError if an app announced in ``home`` is alive and answers, and the store
    is embedded: two apps writing one embedded Chroma corrupt it. With a Chroma server
    (``chroma_url``) replicas may share a home; the server orders their writes.

    Checked when ``rag serve`` starts. An app announces itself only once it listens,
    so the app also takes ``<home>/serve.lock`` for the rest of its life (the system
    lets go of it when the process ends, however it ends): of two started at the same
    moment, the second is refused too."""
    if chroma_url:
        return
    app = running_in(home)
    if app is not None:
        raise UsageError(
            f"another rag serve (pid {app.pid}, port {app.port}) already serves the "
            f"embedded store in {home}; use it at {app.url}, stop it first, or give this "
            "one another RAG_HOME (or a Chroma server, RAG_CHROMA_URL, for several)"
        )
    home.mkdir(parents=True, exist_ok=True)
    lock = _SERVE_LOCKS.setdefault(home.resolve(), FileLock(home / SERVE_LOCK))
    try:
        lock.acquire(timeout=0)  # held by this process until it exits
    except Timeout:
        raise UsageError(
            f"another rag serve is starting on the embedded store in {home}; wait for it "
            "and use it, or give this one another RAG_HOME (or RAG_CHROMA_URL, for several)"
        ) from None


SERVE_LOCK = "serve.lock"
_SERVE_LOCKS: dict[Path, FileLock] = {}
# How long a CLI write waits for an app that holds serve.lock but has not announced
# itself yet (it recovers interrupted ingests and warms up first).
STARTING_WAIT = 60.0


def starting_in(home: Path) -> bool:
    """Whether a ``rag serve`` has started on ``home`` and not announced itself yet:
    another process holds its serve.lock and there is no announcement (once there is
    one, ``running_in`` says whether that app answers)."""
    path = home / SERVE_LOCK
    if not path.exists() or (home / ANNOUNCEMENT).exists():
        return False
    ours = _SERVE_LOCKS.get(home.resolve())
    if ours is not None and ours.is_locked:
        return False  # this process's own app
    probe = FileLock(path)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    probe.release()
    return False


def app_for_writes(home: Path, wait: float = STARTING_WAIT) -> RunningApp | None:
    """The app that the CLI's writes on ``home`` go through: the announced one, or the
    one still starting, once it announces itself (waiting up to ``wait`` seconds);
    None when no app serves ``home``, so the CLI writes itself."""
    app = running_in(home)
    deadline = time.monotonic() + wait
    while app is None and starting_in(home):
        if time.monotonic() > deadline:
            raise UsageError(
                f"a rag serve is starting on the embedded store in {home} and has not "
                f"answered within {wait:g} s; try again once it answers (or stop it)"
            )
        time.sleep(0.2)
        app = running_in(home)
    return app


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive, though not ours to signal
    return True


def _answers(app: RunningApp) -> bool:
    import httpx

    try:
        response = httpx.get(
            f"{app.url}/internal/ping", headers={TOKEN_HEADER: app.token}, timeout=3.0
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def send(app: RunningApp, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Ask the running app to do a write; its JSON answer, or the error it gave."""
    import httpx

    try:
        response = httpx.post(
            f"{app.url}/internal/{operation}",
            json=payload,
            headers={TOKEN_HEADER: app.token},
            timeout=WRITE_TIMEOUT,
        )
    except httpx.HTTPError as e:
        raise StoreError(
            f"the running app (pid {app.pid}, port {app.port}) did not take the {operation}: "
            f"{e}; try again, or stop `rag serve` and run the command alone"
        ) from e
    body = (
        response.json()
        if response.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if response.status_code == 400:
        raise UsageError(str(body.get("detail", response.text)))
    if response.status_code != 200:
        raise RagError(
            f"the running app refused the {operation} ({response.status_code}): "
            f"{body.get('detail', response.text)}"
        )
    return dict(body)
