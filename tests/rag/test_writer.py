"""One writer per embedded store: the CLI's writes go through a running `rag serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.errors import UsageError
from rag.users import UserDirectory
from rag.writer import (
    ANNOUNCEMENT,
    TOKEN_HEADER,
    RunningApp,
    announce,
    app_for_writes,
    refuse_second_app,
    running_in,
    starting_in,
    withdraw,
)
from tests.conftest import RAG_BIN
from tests.ui.conftest import free_port

NEW_DOC = """# Tarnby lighthouse reopens

The lighthouse of Tarnby reopened to visitors on 3 May 2025 after a restoration that
cost 2.4 million crowns and took four years.
"""


def test_an_announcement_is_the_owners_only_and_ignored_once_stale(tmp_path: Path) -> None:
    app = announce(tmp_path, 5999)
    path = tmp_path / ANNOUNCEMENT
    assert path.stat().st_mode & 0o777 == 0o600
    assert running_in(tmp_path, check=False) == app
    assert running_in(tmp_path) is None  # nothing answers on that port
    path.write_text(json.dumps({"pid": 2**22 + 12345, "port": 5999, "token": "x"}))
    assert running_in(tmp_path, check=False) is None  # its process is gone
    path.write_text("{not json")
    assert running_in(tmp_path, check=False) is None


def test_withdraw_leaves_another_apps_announcement(tmp_path: Path) -> None:
    mine = announce(tmp_path, 6001)
    other = RunningApp(mine.pid, 6002, "another token")
    (tmp_path / ANNOUNCEMENT).write_text(
        json.dumps({"pid": other.pid, "port": other.port, "token": other.token})
    )
    withdraw(tmp_path, mine)
    assert (tmp_path / ANNOUNCEMENT).exists()
    withdraw(tmp_path, other)
    assert not (tmp_path / ANNOUNCEMENT).exists()


@pytest.fixture
def answering() -> Iterator[int]:
    """A port on which something answers ``/internal/ping`` as a running app does."""

    class Ping(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/internal/ping" else 404)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ping)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_a_second_app_on_an_embedded_store_is_refused(tmp_path: Path, answering: int) -> None:
    refuse_second_app(tmp_path, None)  # nothing announced
    app = announce(tmp_path, answering)
    with pytest.raises(UsageError, match=f"pid {app.pid}, port {answering}"):
        refuse_second_app(tmp_path, None)
    refuse_second_app(tmp_path, "http://127.0.0.1:8000")  # a Chroma server: replicas may share
    announce(tmp_path, free_port())  # announced, alive, but nothing answers: stale
    refuse_second_app(tmp_path, None)


def _ask(url: str, question: str) -> dict[str, Any]:
    from gradio_client import Client

    result: dict[str, Any] = Client(url, verbose=False).predict(question, [], api_name="/ask")
    return result


@pytest.fixture
def serving(tmp_path: Path, rag_env: Any, run_rag: Any, sample_corpus: Path) -> Any:
    home = tmp_path / "home"
    seeded = run_rag(["ingest", str(sample_corpus / "mi6-moore-prague.md")], home)
    assert seeded.returncode == 0, seeded.stderr
    port = free_port()
    server = subprocess.Popen(
        [str(RAG_BIN), "serve", "--port", str(port)],
        env=rag_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    while running_in(home) is None:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        assert time.monotonic() < deadline, "rag serve did not announce itself"
        time.sleep(0.5)
    yield home, f"http://127.0.0.1:{port}/", server
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        server.wait(60)


@contextmanager
def _starting_app(home: Path) -> Iterator[None]:
    """Another process that passed rag serve's start check on ``home`` (it holds
    serve.lock) and has not announced itself yet; killed on leaving."""
    starting = subprocess.Popen(
        [
            str(Path(RAG_BIN).with_name("python")),
            "-c",
            "import sys, time; from pathlib import Path; "
            "from rag.writer import refuse_second_app; "
            "refuse_second_app(Path(sys.argv[1]), None); "
            "print('ready', flush=True); time.sleep(60)",
            str(home),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert starting.stdout is not None and starting.stdout.readline().strip() == "ready"
        yield
    finally:
        starting.kill()
        starting.wait()


@pytest.mark.slow
def test_of_two_apps_starting_at_once_the_second_is_refused(tmp_path: Path) -> None:
    """Before either announces itself, the first holds serve.lock for its lifetime."""
    with _starting_app(tmp_path):
        with pytest.raises(UsageError, match="another rag serve is starting"):
            refuse_second_app(tmp_path, None)
        refuse_second_app(tmp_path, "http://127.0.0.1:8000")  # server mode: replicas may share
    refuse_second_app(tmp_path, None)  # the system let go of the lock with the process


def test_a_cli_write_waits_for_an_app_that_is_starting(tmp_path: Path) -> None:
    """An app holding serve.lock, not yet announced: the CLI does not write beside it."""
    assert app_for_writes(tmp_path, wait=0.5) is None  # no app: the CLI writes itself
    with _starting_app(tmp_path):
        assert starting_in(tmp_path)
        with pytest.raises(UsageError, match="is starting"):
            app_for_writes(tmp_path, wait=0.5)
    assert not starting_in(tmp_path) and app_for_writes(tmp_path, wait=0.5) is None


def test_cli_writes_go_through_the_running_app(serving: Any, run_rag: Any, tmp_path: Path) -> None:
    home, url, server = serving
    doc = tmp_path / "tarnby.md"
    doc.write_text(NEW_DOC)

    added = run_rag(["ingest", str(doc), "--json"], home)
    assert added.returncode == 0, added.stderr
    assert "sent to the running app" in added.stderr
    (record,) = json.loads(added.stdout)["added"]
    start = time.monotonic()
    answer = _ask(url, "How much did the restoration of the Tarnby lighthouse cost?")
    assert time.monotonic() - start < 2 + 5  # answered at once (gradio_client's own start-up)
    assert "2.4 million crowns" in answer["answer"]
    assert {c["doc_id"] for c in answer["citations"]} == {record["doc_id"]}

    still = _ask(url, "Where did Richard Moore speak?")
    assert not still["abstained"] and "Prague" in still["answer"]

    again = run_rag(["ingest", str(doc), "--json"], home)
    assert [d["doc_id"] for d in json.loads(again.stdout)["unchanged"]] == [record["doc_id"]]

    removed = run_rag(["docs", "remove", record["doc_id"]], home)
    assert removed.returncode == 0 and f"removed {record['doc_id']}" in removed.stdout
    gone = _ask(url, "How much did the restoration of the Tarnby lighthouse cost?")
    assert record["doc_id"] not in {c["doc_id"] for c in gone["citations"]}

    unknown = run_rag(["docs", "remove", "no-such-doc"], home)
    assert unknown.returncode == 1 and "no such document" in unknown.stderr
    reindexed = run_rag(["reindex"], home)
    assert reindexed.returncode == 0 and "keyword index rebuilt" in reindexed.stdout

    server.send_signal(signal.SIGINT)
    server.wait(60)
    assert not (home / ANNOUNCEMENT).exists()
    alone = run_rag(["docs", "list", "--json"], home)  # the store is whole afterwards
    assert [d["title"][:9] for d in json.loads(alone.stdout)] == ["MI6 chief"]


@pytest.mark.slow
def test_the_internal_door_answers_only_its_token(serving: Any) -> None:
    home, _url, _server = serving
    app = running_in(home)
    assert app is not None
    ping = f"{app.url}/internal/ping"
    assert httpx.get(ping, headers={TOKEN_HEADER: app.token}).status_code == 200
    assert httpx.get(ping, headers={TOKEN_HEADER: "guess"}).status_code == 404
    assert httpx.get(ping).status_code == 404
    wrong = httpx.post(f"{app.url}/internal/ingest", json={"inputs": ["/etc/passwd"]})
    assert wrong.status_code == 404
    assert os.stat(home / ANNOUNCEMENT).st_mode & 0o077 == 0


@pytest.mark.slow
def test_collections_remove_goes_through_the_running_app(
    serving: Any, run_rag: Any, tmp_path: Path
) -> None:
    home, _url, server = serving
    doc = tmp_path / "tarnby.md"
    doc.write_text(NEW_DOC)
    added = run_rag(["ingest", str(doc), "--collection", "team", "--json"], home)
    assert added.returncode == 0, added.stderr
    (record,) = json.loads(added.stdout)["added"]
    UserDirectory(home / "users.json").add("ann", "long enough", read=["team"])

    removed = run_rag(["collections", "remove", "team", "--yes", "--json"], home)

    assert removed.returncode == 0, removed.stderr
    assert "sent to the running app" in removed.stderr
    done = json.loads(removed.stdout)
    assert [d["doc_id"] for d in done["removed"]] == [record["doc_id"]] and done["users"] == ["ann"]
    users = json.loads(run_rag(["users", "list", "--json"], home).stdout)
    assert users == [{"name": "ann", "read": ["ann", "default"], "write": ["ann"]}]
    server.send_signal(signal.SIGINT)
    server.wait(60)
    listed = run_rag(["docs", "list", "--json"], home)
    assert [d["collection"] for d in json.loads(listed.stdout)] == ["default"]


@pytest.mark.slow
def test_a_second_rag_serve_on_the_same_home_is_refused(serving: Any, run_rag: Any) -> None:
    home, url, server = serving
    second = run_rag(["serve", "--port", str(free_port())], home, timeout=120)
    assert second.returncode == 2, second.stderr
    assert f"pid {server.pid}, port {url.rsplit(':', 1)[1].strip('/')}" in second.stderr
    first = running_in(home)
    assert first is not None and first.pid == server.pid  # the running app is untouched


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
def test_ctrl_c_stops_an_app_started_with_sigint_ignored(tmp_path: Path, rag_env: Any) -> None:
    """A script's background job starts with SIGINT ignored, and Python keeps it so;
    rag serve still stops on it and withdraws its announcement."""
    home = tmp_path / "home"
    server = subprocess.Popen(
        [str(RAG_BIN), "serve", "--port", str(free_port())],
        env=rag_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_ignore_sigint,  # noqa: PLW1509 - no threads start before the exec
    )
    try:
        deadline = time.monotonic() + 180
        while running_in(home) is None:
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
        server.send_signal(signal.SIGINT)
        server.wait(60)
        assert not (home / ANNOUNCEMENT).exists()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
