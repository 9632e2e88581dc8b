"""An ingest killed with SIGKILL part-way, then run again, ends exactly where a clean
ingest ends: same documents, fingerprints, states, passage ids and texts."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core.settings import Settings
from ingest.pipeline import Ingestor
from vectorstore.chroma import ChromaStore
from vectorstore.records import STATE_COMPLETE

pytestmark = pytest.mark.slow

RAG = Path(sys.executable).parent / "rag"
DOCS = 120
# Tiny passages: two write groups per run (the pipeline writes every 256 passages)
# and little time spent embedding.
CHUNKING = {"RAG_CHUNK_SIZE": "100", "RAG_CHUNK_OVERLAP": "20"}
WORDS = (
    "harbour", "council", "budget", "river", "station", "school", "bridge", "market",
    "storm", "tunnel", "library", "museum", "ferry", "orchard", "factory", "festival",
)  # fmt: skip


def _write_documents(folder: Path) -> None:
    folder.mkdir()
    rng = random.Random(20240501)
    for i in range(DOCS):
        sentences = [f"Note {i} on the {rng.choice(WORDS)}." for _ in range(rng.randint(7, 9))]
        body = " ".join(sentences[:4]) + "\n\n" + " ".join(sentences[4:])
        (folder / f"doc-{i:03d}.txt").write_text(f"Item {i}\n\n{body}\n", encoding="utf-8")


def _segments(chroma: Path) -> int:
    """Vector segment folders in an embedded Chroma: one appears per collection at its
    first write (documents, then passages, then the revision), so two or more means
    passages have been written."""
    return sum(1 for p in chroma.iterdir() if p.is_dir()) if chroma.is_dir() else 0


def _wait_for(condition: Callable[[], bool], proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(0.05)
    return False


def _state(store: ChromaStore) -> tuple[dict, dict]:
    records = {
        r.doc_id: (r.fingerprint, r.state, r.chunks, r.content_hash, r.source, r.title)
        for r in store.list_documents(complete_only=False)
    }
    passages = {
        p.id: (p.doc_id, p.text, p.start, p.end, p.metadata.get("version"))
        for page in store.iter_passages()
        for p in page
    }
    return records, passages


def _snapshot(settings: Settings, into: Path) -> tuple[int, int, int]:
    """(complete, pending, passages) of a copy of the store a killed run left behind."""
    if not settings.chroma_path.is_dir():
        return 0, 0, 0
    shutil.copytree(settings.chroma_path, into / "chroma")
    records, passages = _state(ChromaStore(settings.model_copy(update={"home": into}).store))
    complete = sum(1 for r in records.values() if r[1] == STATE_COMPLETE)
    return complete, len(records) - complete, len(passages)


def test_killed_ingests_converge_to_a_clean_ingest(tmp_path, embedder, rag_env) -> None:
    folder = tmp_path / "docs"
    _write_documents(folder)
    chunking = {
        "chunk_size": int(CHUNKING["RAG_CHUNK_SIZE"]),
        "chunk_overlap": int(CHUNKING["RAG_CHUNK_OVERLAP"]),
    }
    clean = Settings(home=tmp_path / "b", **chunking)
    clean_report = Ingestor(clean.ingest, ChromaStore(clean.store), embedder).ingest([str(folder)])
    assert clean_report.ok and len(clean_report.added) == DOCS

    crashed = Settings(home=tmp_path / "a", **chunking)
    command = [str(RAG), "ingest", str(folder), "--json"]
    env = rag_env(crashed.home, **CHUNKING)
    rng = random.Random()
    kills: list[str] = []
    mid_ingest = False
    # First kill: soon after the store is opened. Second: just after passages were
    # written, while stale passages are deleted, records completed or more embedded.
    for attempt, (ready, delay) in enumerate(
        [
            (lambda: crashed.chroma_path.is_dir(), rng.uniform(0.5, 3.0)),
            (lambda: _segments(crashed.chroma_path) >= 2, rng.uniform(0.0, 0.5)),
        ]
    ):
        log = tmp_path / f"run-{attempt}.log"
        with log.open("wb") as stderr:
            proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
            seen = _wait_for(ready, proc, timeout=300)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        state = _snapshot(crashed, tmp_path / f"snapshot-{attempt}")
        kills.append(
            f"run {attempt}: signal seen={seen}, delay={delay:.2f}s, "
            f"exit={proc.returncode}, (complete, pending, passages)={state}"
        )
        assert proc.returncode in (-signal.SIGKILL, 0), (kills, log.read_text()[-2000:])
        complete, pending, passages = state
        killed = proc.returncode == -signal.SIGKILL
        mid_ingest |= killed and pending + passages > 0 and complete < DOCS

    assert mid_ingest, f"no kill landed in the middle of an ingest: {kills}"

    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, (kills, final.stderr[-2000:])
    report = json.loads(final.stdout)
    assert report["failed"] == [] and report["duplicates"] == [], kills
    assert sorted(
        d["doc_id"] for key in ("added", "updated", "unchanged") for d in report[key]
    ) == sorted(d.doc_id for d in clean_report.added)

    crashed_records, crashed_passages = _state(ChromaStore(crashed.store))
    clean_store = ChromaStore(clean.store)
    clean_records, clean_passages = _state(clean_store)
    assert {r[1] for r in crashed_records.values()} == {STATE_COMPLETE}
    assert crashed_records == clean_records, kills
    assert crashed_passages.keys() == clean_passages.keys(), kills
    assert crashed_passages == clean_passages, kills
    crashed_store = ChromaStore(crashed.store)
    for doc_id in clean_records:
        assert crashed_store.document_text(doc_id) == clean_store.document_text(doc_id)
