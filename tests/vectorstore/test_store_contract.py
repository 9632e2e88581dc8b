"""The contract every vector-store backend passes: embedded Chroma on tmp_path and the
Chroma server (the ``store`` fixture runs each test once per backend)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.errors import StoreError
from core.settings import Settings
from vectorstore.chroma import ChromaStore
from vectorstore.records import STATE_COMPLETE, STATE_PENDING, Passage


def _basis(*weights: float) -> np.ndarray:
    """A unit vector in 8 dimensions from its first few coordinates."""
    v = np.zeros(8, dtype=np.float32)
    v[: len(weights)] = weights
    return v / np.linalg.norm(v)


def test_document_records_and_full_text_round_trip(store, make_doc) -> None:
    full, _ = make_doc(
        "full",
        "The whole text of the first document.",
        url="https://example.com/a",
        author="A. Writer",
        date="2024-05-01",
        page_starts=(0, 10, 25),
        extra={"section": "world", "lang": "en"},
    )
    bare, _ = make_doc("bare", "Second text, ünïcode and 中文 included.", state=STATE_PENDING)
    store.put_documents(
        [full, bare],
        ["The whole text of the first document.", "Second text, ünïcode and 中文 included."],
    )

    got = store.get_documents(["full", "bare", "missing"])

    assert got == {"full": full, "bare": bare}
    assert store.document_text("bare") == "Second text, ünïcode and 中文 included."
    assert store.document_text("missing") is None


def test_rewriting_a_record_drops_fields_the_new_version_lacks(store, make_doc) -> None:
    old, _ = make_doc("doc", "text", url="https://example.com/x", author="Ann", date="2024-01-02")
    store.put_documents([old], ["text"])
    new, _ = make_doc("doc", "new text", version="v2")
    store.put_documents([new], ["new text"])
    store.set_documents_metadata([replace(new, state=STATE_COMPLETE, chunks=3)])

    got = store.get_documents(["doc"])["doc"]

    assert (got.url, got.author, got.date) == (None, None, None)
    assert got == replace(new, state=STATE_COMPLETE, chunks=3)
    assert store.document_text("doc") == "new text"


def test_list_documents_complete_only_or_all_sorted_by_title(store, make_doc) -> None:
    records = [
        make_doc("b", "x", title="beta")[0],
        make_doc("a", "y", title="Alpha")[0],
        make_doc("p", "z", title="pending one", state=STATE_PENDING)[0],
    ]
    store.put_documents(records, ["x", "y", "z"])

    assert [r.doc_id for r in store.list_documents()] == ["a", "b"]
    assert [r.doc_id for r in store.list_documents(complete_only=False)] == ["a", "b", "p"]


def test_find_by_content_and_by_source(store, make_doc) -> None:
    one, _ = make_doc("one", "same words", source="/data/one.txt")
    two, _ = make_doc("two", "same words", source="/data/two.txt")
    other, _ = make_doc("other", "different words", source="/data/one.txt#r1")
    store.put_documents([one, two, other], ["same words", "same words", "different words"])

    assert {r.doc_id for r in store.find_by_content(one.content_hash)} == {"one", "two"}
    assert [r.doc_id for r in store.find_by_content(other.content_hash)] == ["other"]
    assert store.find_by_content("0" * 64) == []
    assert [r.doc_id for r in store.find_by_source("/data/one.txt")] == ["one"]
    assert store.find_by_source("/data/none.txt") == []


def _passage(pid: str, doc_id: str, text: str) -> Passage:
    return Passage(pid, doc_id, text, 0, len(text), {"version": "v1", "title": f"T {doc_id}"})


def test_dense_search_orders_by_cosine_similarity(store) -> None:
    passages = [
        _passage("same", "d1", "points the same way"),
        _passage("close", "d1", "points nearly the same way"),
        _passage("square", "d2", "at a right angle"),
        _passage("away", "d2", "points away"),
    ]
    vectors = np.stack([_basis(1), _basis(0.8, 0.6), _basis(0, 1), _basis(-0.6, 0.8)])
    store.add_passages(passages, vectors)

    hits = store.dense_search(_basis(1), k=10)

    assert [h.passage.id for h in hits] == ["same", "close", "square", "away"]
    assert [h.score for h in hits] == pytest.approx([1.0, 0.8, 0.0, -0.6], abs=1e-4)
    assert hits[0].passage == replace(
        passages[0], metadata={**passages[0].metadata, "doc_id": "d1", "start": 0, "end": 19}
    )
    assert [h.passage.id for h in store.dense_search(_basis(1), k=2)] == ["same", "close"]
    only_d2 = store.dense_search(_basis(1), k=10, where={"doc_id": "d2"})
    assert [h.passage.id for h in only_d2] == ["square", "away"]


def test_dense_search_on_an_empty_store_finds_nothing(store) -> None:
    assert store.dense_search(_basis(1), k=5) == []
    assert store.count_passages() == 0


def test_get_passages_returns_text_offsets_and_metadata(store, write_doc) -> None:
    _, passages = write_doc(store, "doc", "0123456789" * 15, size=60)

    got = store.get_passages([passages[2].id, passages[0].id, "doc:v1:99999"])

    assert set(got) == {passages[0].id, passages[2].id}
    for p in (passages[0], passages[2]):
        assert (got[p.id].doc_id, got[p.id].text, got[p.id].start, got[p.id].end) == (
            p.doc_id,
            p.text,
            p.start,
            p.end,
        )
        assert got[p.id].metadata["version"] == "v1"
        assert got[p.id].title == "Title of doc"
    assert got[passages[2].id].text == ("0123456789" * 15)[120:150]


def test_a_new_version_leaves_only_its_own_passages(store, write_doc) -> None:
    write_doc(store, "doc", "version one text " * 12, version="v1")
    write_doc(store, "keep", "another document " * 5, version="k1")
    _, current = write_doc(store, "doc", "second version", version="v2")

    stored = store.passages_for(["doc"])

    assert sorted(p.id for p in stored) == sorted(p.id for p in current)
    assert {p.metadata["version"] for p in stored} == {"v2"}
    assert {p.metadata["version"] for p in store.passages_for(["keep"])} == {"k1"}


def test_delete_documents_removes_their_passages_too(store, write_doc) -> None:
    write_doc(store, "gone", "this document will be removed " * 4)
    _, kept = write_doc(store, "kept", "this document stays " * 4)

    store.delete_documents(["gone"])

    assert set(store.get_documents(["gone", "kept"])) == {"kept"}
    assert store.passages_for(["gone"]) == []
    assert store.count_passages() == len(kept)
    hits = store.dense_search(_basis(1), k=50)
    assert {h.passage.doc_id for h in hits} == {"kept"}


def test_revision_changes_on_every_bump(store) -> None:
    assert store.revision() == ""
    first = store.bump_revision()
    assert store.revision() == first != ""
    second = store.bump_revision()
    assert store.revision() == second != first


def test_paging_reads_more_than_a_thousand_passages_and_documents(store, make_doc) -> None:
    n = 1_050
    passages = [
        Passage(f"big:{i:05d}", "big", f"passage number {i}", i, i + 1, {"version": "v1"})
        for i in range(n)
    ] + [_passage("small:0", "small", "a small one")]
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(n + 1, 8)).astype(np.float32)
    store.add_passages(passages, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    records = [make_doc(f"doc{i:04d}", "t", title=f"doc {i:04d}")[0] for i in range(1_001)]
    store.put_documents(records, ["t"] * len(records))

    pages = list(store.iter_passages())
    for_big = store.passages_for(["big"])

    assert max(len(page) for page in pages) <= 1_000
    assert sorted(p.id for page in pages for p in page) == sorted(p.id for p in passages)
    assert sorted(p.id for p in for_big) == [f"big:{i:05d}" for i in range(n)]
    assert {p.text for p in for_big} == {f"passage number {i}" for i in range(n)}
    assert store.count_passages() == n + 1
    assert [r.doc_id for r in store.list_documents()] == [r.doc_id for r in records]
    assert len(store.get_documents([r.doc_id for r in records])) == len(records)


def test_a_closed_server_port_is_a_store_error_naming_the_url(tmp_path) -> None:
    settings = Settings(home=tmp_path, chroma_url="http://127.0.0.1:1")

    with pytest.raises(StoreError) as caught:
        ChromaStore(settings.store)

    message = str(caught.value)
    assert "http://127.0.0.1:1" in message
    assert "chroma run" in message


def test_a_rejected_write_keeps_chromas_message_and_gives_no_wrong_hint(store) -> None:
    # Chroma refuses a nested metadata value with a ValueError, on either backend: the
    # server is running and the disk is fine, so neither may be blamed.
    bad = Passage(id="bad:v1:00000", doc_id="bad", text="x", start=0, end=1, metadata={"k": {}})

    with pytest.raises(StoreError) as caught:
        store.add_passages([bad], np.stack([_basis(1.0)]))

    message = str(caught.value)
    assert message.startswith("could not write passages (ValueError: "), message
    assert "metadata" in message
    assert "running?" not in message and "writable" not in message


def test_another_process_writing_the_embedded_store_is_named_as_the_cause(
    settings_factory,
) -> None:
    # the error embedded Chroma gives a `rag serve` after a `rag ingest` in another
    # process changed its store (reproduced by hand; the advice used to blame the disk)
    from chromadb.errors import InternalError

    store = ChromaStore(settings_factory().store)
    error = InternalError("Error executing plan: Internal error: Error finding id")
    hint = store._hint(error)
    assert "another process changed the store" in hint and "restart `rag serve`" in hint
    assert "writable" not in hint
    assert "writable" in store._hint(InternalError("database or disk is full"))
