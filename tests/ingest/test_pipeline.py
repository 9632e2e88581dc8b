"""The ingest pipeline with the real model and an embedded Chroma: what it stores,
what it reports, and that unchanged inputs cost nothing."""

from __future__ import annotations

import json
import shutil
import socket
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.settings import Settings
from ingest.pipeline import Ingestor
from rag.library import remove_documents
from vectorstore.chroma import ChromaStore
from vectorstore.records import STATE_COMPLETE

pytestmark = pytest.mark.slow


class CountingEmbedder:
    """The real embedder, counting how often and how much it is asked to embed."""

    def __init__(self, inner: Any, name: str | None = None) -> None:
        self.inner = inner
        self.name = name or inner.name
        self.dimension = inner.dimension
        self.calls = 0
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed(texts)


def _assert_consistent(store: ChromaStore) -> None:
    """Every complete document has exactly its current passages, each an exact slice."""
    for record in store.list_documents(complete_only=False):
        assert record.state == STATE_COMPLETE, record
        text = store.document_text(record.doc_id)
        passages = store.passages_for([record.doc_id])
        assert len(passages) == record.chunks, record.doc_id
        for p in passages:
            assert text[p.start : p.end] == p.text, p.id
            assert p.metadata["version"] == record.fingerprint, p.id
            assert p.id.startswith(f"{record.doc_id}:{record.fingerprint[:12]}:"), p.id


@pytest.fixture(scope="module")
def corpus_ingest(tmp_path_factory, embedder, sample_corpus):
    """The sample corpus ingested once into an embedded store, for read-only tests."""
    here = tmp_path_factory.mktemp("corpus-ingest")
    settings = Settings(home=here / "home", collection="t" + uuid.uuid4().hex[:10])
    store = ChromaStore(settings.store)
    counting = CountingEmbedder(embedder)
    report = Ingestor(settings.ingest, store, counting).ingest([str(sample_corpus)])
    return settings, store, report, counting


@pytest.fixture
def ingest_with(settings_factory, embedder):
    """``ingest(inputs)`` into one fresh embedded store: (report, store, counting embedder)."""
    settings = settings_factory()
    store = ChromaStore(settings.store)

    def run(inputs: Sequence[Path | str]):
        counting = CountingEmbedder(embedder)
        report = Ingestor(settings.ingest, store, counting).ingest([str(i) for i in inputs])
        return report, store, counting

    return run


def test_the_sample_corpus_adds_eight_documents(corpus_ingest, sample_corpus) -> None:
    _settings, store, report, counting = corpus_ingest

    assert report.ok and not report.updated and not report.unchanged and not report.duplicates
    assert sorted(Path(d.source).name for d in report.added) == sorted(
        p.name for p in sample_corpus.iterdir()
    )
    assert len(store.list_documents()) == 8
    assert store.count_passages() == sum(d.chunks for d in report.added) == counting.texts
    assert all(d.chunks > 0 and d.title for d in report.added)


def test_every_stored_passage_is_an_exact_slice_of_its_document(corpus_ingest) -> None:
    _settings, store, _report, _counting = corpus_ingest

    _assert_consistent(store)
    ids = [p.id for page in store.iter_passages() for p in page]
    assert len(ids) == len(set(ids)) == store.count_passages()


def test_reingesting_reports_unchanged_and_embeds_nothing(corpus_ingest, embedder) -> None:
    settings, store, first, _counting = corpus_ingest
    revision = store.revision()
    counting = CountingEmbedder(embedder)

    report = Ingestor(settings.ingest, store, counting).ingest(
        [str(Path(d.source)) for d in first.added]
    )

    assert counting.calls == 0
    assert sorted(d.doc_id for d in report.unchanged) == sorted(d.doc_id for d in first.added)
    assert not (report.added or report.updated or report.duplicates or report.failed)
    assert store.revision() == revision


def test_an_edited_file_is_updated_and_leaves_no_stale_passage(
    ingest_with, sample_corpus, tmp_path
) -> None:
    corpus = shutil.copytree(sample_corpus, tmp_path / "corpus")
    article = corpus / "mi6-moore-prague.md"
    inputs = [article, corpus / "central-bank-holds-rates.txt"]
    first, store, _ = ingest_with(inputs)
    (old,) = [d for d in first.added if d.source == str(article)]
    old_ids = {p.id for p in store.passages_for([old.doc_id])}

    text = article.read_text(encoding="utf-8")
    assert "date: 2023-07-19\n" in text and "Richard Moore" in text
    article.write_text(
        text.replace("date: 2023-07-19\n", "").replace("Richard Moore", "Sir Richard Moore"),
        encoding="utf-8",
    )
    second, store, counting = ingest_with(inputs)

    assert [d.doc_id for d in second.updated] == [old.doc_id]
    assert [Path(d.source).name for d in second.unchanged] == ["central-bank-holds-rates.txt"]
    assert not second.added and not second.failed
    record = store.get_documents([old.doc_id])[old.doc_id]
    assert record.date is None
    assert "Sir Richard Moore" in store.document_text(old.doc_id)
    assert len(store.find_by_source(str(article))) == 1
    new_ids = {p.id for p in store.passages_for([old.doc_id])}
    assert new_ids.isdisjoint(old_ids)
    assert counting.texts == record.chunks
    _assert_consistent(store)


def test_another_embedding_model_re_embeds_every_document(
    settings_factory, embedder, tmp_path
) -> None:
    note = tmp_path / "note.txt"
    note.write_text("The tide tables for the harbour are printed weekly.\n", encoding="utf-8")
    settings = settings_factory()
    store = ChromaStore(settings.store)
    Ingestor(settings.ingest, store, CountingEmbedder(embedder, "model-a")).ingest([str(note)])

    same = CountingEmbedder(embedder, "model-a")
    assert len(Ingestor(settings.ingest, store, same).ingest([str(note)]).unchanged) == 1
    other = CountingEmbedder(embedder, "model-b")
    report = Ingestor(settings.ingest, store, other).ingest([str(note)])

    assert same.texts == 0
    assert [Path(d.source) for d in report.updated] == [note]
    assert other.texts == report.updated[0].chunks
    _assert_consistent(store)


def test_the_same_content_under_another_name_is_stored_once(ingest_with, tmp_path) -> None:
    text = "Tidal power station opens.\n\nThe barrage produces 240 megawatts at peak flow.\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a-original.txt").write_text(text, encoding="utf-8")
    (tmp_path / "in" / "b-copy.txt").write_text(text, encoding="utf-8")

    report, store, _ = ingest_with([tmp_path / "in"])

    (added,) = report.added
    (duplicate,) = report.duplicates
    assert Path(added.source).name == "a-original.txt"
    assert Path(duplicate.source).name == "b-copy.txt"
    assert duplicate.duplicate_of == added.doc_id
    assert duplicate.to_json()["duplicate_of"] == added.doc_id
    assert [r.doc_id for r in store.list_documents(complete_only=False)] == [added.doc_id]

    again, store, counting = ingest_with([tmp_path / "in" / "b-copy.txt"])
    assert [d.duplicate_of for d in again.duplicates] == [added.doc_id]
    assert counting.calls == 0
    assert len(store.list_documents(complete_only=False)) == 1


def test_a_file_edited_into_a_copy_of_another_drops_its_old_version(ingest_with, tmp_path) -> None:
    original = tmp_path / "a-original.txt"
    original.write_text("The ferry timetable changes in May.\n", encoding="utf-8")
    edited = tmp_path / "b-edited.txt"
    edited.write_text("The ring road closes for repairs.\n", encoding="utf-8")
    first, store, _ = ingest_with([original, edited])
    (old,) = [d for d in first.added if d.source == str(edited)]

    shutil.copy(original, edited)
    report, store, _ = ingest_with([original, edited])

    assert [d.doc_id for d in report.duplicates] == [old.doc_id]
    assert store.get_documents([old.doc_id]) == {}
    assert store.passages_for([old.doc_id]) == []
    assert [r.source for r in store.list_documents()] == [str(original)]


def test_bad_inputs_are_listed_by_name_and_good_ones_still_ingested(ingest_with, tmp_path) -> None:
    good = tmp_path / "good-news.txt"
    good.write_text("The ferry service resumes on Monday after repairs.\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    missing = tmp_path / "missing.txt"

    report, store, _ = ingest_with([empty, good, binary, missing])

    assert [Path(d.source).name for d in report.added] == ["good-news.txt"]
    assert sorted(Path(f.source).name for f in report.failed) == [
        "blob.bin",
        "empty.txt",
        "missing.txt",
    ]
    assert all(f.error for f in report.failed)
    assert not report.ok
    assert [r.source for r in store.list_documents(complete_only=False)] == [str(good)]


def _write_jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
        encoding="utf-8",
    )
    return path


def test_jsonl_record_ids_become_doc_ids(ingest_with, tmp_path) -> None:
    feed = _write_jsonl(
        tmp_path / "feed.jsonl",
        [
            {"id": "rec-1", "title": "Bridge reopens", "text": "The old bridge reopened today."},
            {"id": 42, "text": "Snow closes the mountain pass for a week."},
            "{not json",
        ],
    )

    report, store, _ = ingest_with([feed])

    assert sorted(d.doc_id for d in report.added) == ["42", "rec-1"]
    assert [f.source for f in report.failed] == [f"{feed}:3"]
    records = store.get_documents(["rec-1", "42"])
    assert records["rec-1"].source == f"{feed}#rec-1"
    assert records["rec-1"].title == "Bridge reopens"
    assert store.document_text("42") == "Snow closes the mountain pass for a week."
    assert {p.doc_id for p in store.passages_for(["rec-1", "42"])} == {"rec-1", "42"}


def test_remove_by_id_and_by_source_removes_passages_too(ingest_with, tmp_path) -> None:
    feed = _write_jsonl(
        tmp_path / "feed.jsonl",
        [
            {"id": "keep-me", "text": "Harbour dredging starts in spring."},
            {"id": "drop-me", "text": "The night market moves to the river bank."},
        ],
    )
    note = tmp_path / "note.txt"
    note.write_text("A new library opens in the old post office.\n", encoding="utf-8")
    report, store, _ = ingest_with([feed, note])
    (note_doc,) = [d for d in report.added if d.source == str(note)]
    revision = store.revision()

    removed, unknown = remove_documents(store, ["drop-me", str(note), "no-such-doc"])

    assert sorted(r.doc_id for r in removed) == sorted(["drop-me", note_doc.doc_id])
    assert unknown == ["no-such-doc"]
    assert store.passages_for(["drop-me", note_doc.doc_id]) == []
    assert [r.doc_id for r in store.list_documents()] == ["keep-me"]
    assert store.revision() != revision

    removed, unknown = remove_documents(store, [str(feed)])
    assert [r.doc_id for r in removed] == ["keep-me"] and unknown == []
    assert store.count_passages() == 0
    assert store.list_documents(complete_only=False) == []


class _NoEmbedder:
    name = "none"
    dimension = 384

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("nothing should be embedded")


def test_an_upper_case_url_is_fetched_not_opened_as_a_file(settings_factory) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"HTTPS://127.0.0.1:{port}/article.html"
    settings = settings_factory()

    report = Ingestor(settings.ingest, ChromaStore(settings.store), _NoEmbedder()).ingest([url])

    (failure,) = report.failed
    assert failure.source == url
    assert "cannot be reached" in failure.error, failure.error


def test_a_stopped_ingest_writes_what_it_read_and_leaves_the_rest(
    settings_factory, embedder, tmp_path
) -> None:
    files = []
    for i in range(5):
        path = tmp_path / f"note-{i}.txt"
        path.write_text(f"Note {i}: the ferry number {i} sails at {i + 6} o'clock.\n")
        files.append(str(path))
    settings = settings_factory()
    store = ChromaStore(settings.store)
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 2  # stop before the third document

    report = Ingestor(settings.ingest, store, embedder).ingest(files, stop=stop)
    assert [Path(d.source).name for d in report.added] == ["note-0.txt", "note-1.txt"]
    stored = sorted(Path(r.source).name for r in store.list_documents(complete_only=False))
    assert stored == ["note-0.txt", "note-1.txt"]  # nothing half-written, nothing pending
    assert not report.failed  # what was not reached is not reported as anything
    again = Ingestor(settings.ingest, store, embedder).ingest(files)
    assert len(again.unchanged) == 2 and len(again.added) == 3  # a rerun finishes the job
