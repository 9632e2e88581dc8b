"""Faults around the store: the Chroma server restarting under a running app, and a
RAG_HOME that turns read-only or fills up. Each gives a clear error, loses nothing,
and the app recovers without a restart.

(kill -9 during ingest is in tests/ingest/test_crash_recovery.py; a damaged or stale
keyword cache in tests/vectorstore/test_keyword.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import gradio as gr
import pytest

from bench.chroma_server import ChromaServer
from core.settings import Settings
from rag.library import Library
from rag.services import Services
from ui.api import Api
from ui.backend import Backend

pytestmark = pytest.mark.slow


# --- the Chroma server goes away and comes back -------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    chroma = ChromaServer(tmp_path / "chroma-data").start()
    yield chroma
    chroma.stop()


def _backend(tmp_path: Path, url: str, embedder: object) -> Backend:
    services = Services(Settings(home=tmp_path / "home", chroma_url=url, collection="faults"))
    services.__dict__["embedder"] = embedder  # the session's loaded model (a cached_property)
    return Backend(Library(services.settings, services))


def test_a_chroma_restart_gives_a_clear_error_then_the_app_recovers(
    tmp_path: Path, server: ChromaServer, embedder: object, sample_corpus: Path
) -> None:
    api = Api(_backend(tmp_path, server.url, embedder))
    first = api.ingest([str(sample_corpus / "mi6-moore-prague.md")])
    assert [d["doc_id"] for d in first["added"]]
    before = api.ask("What did Moore say about Putin?")
    assert before["citations"]

    server.stop()
    for call in (
        lambda: api.ask("What did Moore say about Putin?"),
        lambda: api.documents(),
        lambda: api.ingest([str(sample_corpus / "calder-port-strike.pdf")]),
    ):
        with pytest.raises(gr.Error) as caught:
            call()
        message = str(caught.value)
        assert server.url in message and "chroma run" in message, message

    server.start()  # same port, same data folder
    after = api.ask("What did Moore say about Putin?")
    assert after["answer"] == before["answer"]
    assert after["citations"] == before["citations"]
    retried = api.ingest([str(sample_corpus / "calder-port-strike.pdf")])
    assert len(retried["added"]) == 1 and not retried["failed"]
    listed = api.documents()
    assert sorted(d["title"][:10] for d in listed) == ["Dockworker", "MI6 chief "]
    assert api.ask("How long is the strike at the Port of Calder?")["citations"]


# --- RAG_HOME read-only or full ---------------------------------------------------------


@pytest.fixture
def small_home(tmp_path: Path) -> Iterator[Path]:
    """A RAG_HOME on a tmpfs of its own, so it can be made read-only or full for real."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs for RAG_HOME needs root (CI runs as root)")
    home = tmp_path / "home"
    home.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(home)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield home
    subprocess.run(["umount", "-l", str(home)], check=False)


def _remount(home: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(home)], check=True)


def _used_kib(home: Path) -> int:
    stats = os.statvfs(home)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize // 1024


Run = Callable[..., subprocess.CompletedProcess[str]]


def _listing(run_rag: Run, home: Path) -> list[dict]:
    listed = run_rag(["docs", "list", "--json"], home)
    assert listed.returncode == 0, listed.stderr
    return sorted(json.loads(listed.stdout), key=lambda d: d["doc_id"])


def _assert_clear_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr, result.stderr


def _big_text(path: Path) -> Path:
    sentences = (
        f"Paragraph {i} reports figure {i * 37 % 1000} for region {i % 17}." for i in range(3000)
    )
    path.write_text("A long report.\n\n" + "\n\n".join(sentences))
    return path


def test_a_read_only_home_gives_a_clear_error_and_loses_nothing(
    small_home: Path, run_rag: Run, sample_corpus: Path, tmp_path: Path
) -> None:
    assert run_rag(["ingest", str(sample_corpus)], small_home).returncode == 0
    # The ingest also brought the keyword index up to date, so it must write it too.
    assert list((small_home / "cache").glob("keyword-*.bin"))
    before = _listing(run_rag, small_home)
    note = tmp_path / "note.txt"
    note.write_text("Tides rise twice a day on the Calder estuary.")

    _remount(small_home, "ro")
    _assert_clear_failure(run_rag(["ingest", str(note)], small_home), "writable")
    _assert_clear_failure(run_rag(["search", "olive oil"], small_home), "writable")

    _remount(small_home, "rw")
    assert _listing(run_rag, small_home) == before
    added = run_rag(["ingest", "--json", str(note)], small_home)
    assert added.returncode == 0, added.stderr
    assert len(json.loads(added.stdout)["added"]) == 1
    found = run_rag(["search", "--json", "Calder estuary tides"], small_home)
    assert json.loads(found.stdout)["results"][0]["source"] == str(note)


def test_a_full_home_gives_a_clear_error_and_a_rerun_converges(
    small_home: Path, run_rag: Run, sample_corpus: Path, tmp_path: Path
) -> None:
    assert run_rag(["ingest", str(sample_corpus)], small_home).returncode == 0
    before = _listing(run_rag, small_home)
    big = _big_text(tmp_path / "big.txt")

    # Leave a little room, far less than the big document's passages need.
    _remount(small_home, f"size={_used_kib(small_home) + 256}k")
    failed = run_rag(["ingest", str(big)], small_home)
    _assert_clear_failure(failed, "full")

    _remount(small_home, "size=64m")
    assert _listing(run_rag, small_home) == before  # nothing half-written shows
    search = run_rag(["search", "--json", "olive oil harvest"], small_home)
    assert search.returncode == 0 and json.loads(search.stdout)["results"], search.stderr

    rerun = run_rag(["ingest", "--json", str(big)], small_home)
    assert rerun.returncode == 0, rerun.stderr
    assert len(json.loads(rerun.stdout)["added"]) == 1
    again = json.loads(run_rag(["ingest", "--json", str(big)], small_home).stdout)
    assert len(again["unchanged"]) == 1 and not again["added"]
    found = run_rag(["search", "--json", "paragraph 2500 figure region"], small_home)
    assert any(r["source"] == str(big) for r in json.loads(found.stdout)["results"])
