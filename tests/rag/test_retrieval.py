"""Retrieval: which documents a filter admits, score fusion, per-document limits,
overlap folding and stale or pending passages (a real embedded Chroma on tmp_path, a
hashing stand-in for the model)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from rag.retrieval import HybridRetriever, SearchFilter, _fuse, _minmax, _overlaps
from vectorstore.chroma import ChromaStore
from vectorstore.keyword import KeywordIndex
from vectorstore.records import STATE_COMPLETE, STATE_PENDING, DocumentRecord, Passage


def _record(doc_id: str, day: str | None) -> DocumentRecord:
    return DocumentRecord(
        doc_id=doc_id,
        source=f"/notes/{doc_id}.txt",
        title=doc_id,
        kind="txt",
        content_hash="h",
        fingerprint="f",
        chunks=1,
        state=STATE_COMPLETE,
        ingested_at="2024-01-01T00:00:00+00:00",
        date=day,
    )


RECORDS = [
    _record("july", "2023-07-19"),
    _record("with-time", "2023-08-01T10:00:00+02:00"),
    _record("free-text", "Spring 2020"),  # stored as text before dates were normalised
    _record("undated", None),
]


def _admitted(search_filter: SearchFilter) -> list[str]:
    return [r.doc_id for r in RECORDS if search_filter.admits(r)]


def test_a_date_range_admits_only_documents_with_a_real_date_inside_it() -> None:
    assert _admitted(SearchFilter(date_from=date(2023, 1, 1))) == ["july", "with-time"]
    assert _admitted(SearchFilter(date_to=date(2023, 7, 31))) == ["july"]
    assert _admitted(SearchFilter(date_from=date(2023, 7, 19), date_to=date(2023, 7, 19))) == [
        "july"
    ]


def test_no_date_range_admits_every_date() -> None:
    assert _admitted(SearchFilter()) == ["july", "with-time", "free-text", "undated"]


# --- fusion, per-document limits, overlap folding, stale and pending passages --------


def test_minmax_and_fuse() -> None:
    assert _minmax({}) == {}
    assert _minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert _minmax({"a": 5.0, "b": 5.0}) == {"a": 1.0, "b": 1.0}
    fused = _fuse({"a": 0.9, "b": 0.5}, {"b": 7.0, "c": 3.0}, weight=0.25)
    # a: best dense, no BM25; b: worst dense of the two, best BM25; c: BM25 only
    assert fused["a"] == pytest.approx(0.75)
    assert fused["b"] == pytest.approx(0.25 * 1.0 + 0.75 * 0.0)
    assert fused["c"] == pytest.approx(0.25 * (3.0 / 7.0))


def _passage(doc_id: str, start: int, end: int) -> Passage:
    return Passage(f"{doc_id}:{start}", doc_id, "x" * (end - start), start, end, {})


def test_overlaps_needs_one_document_and_more_than_half_of_the_shorter() -> None:
    assert _overlaps(_passage("d", 0, 100), _passage("d", 40, 140))  # 60 of 100 shared
    assert not _overlaps(_passage("d", 0, 100), _passage("d", 60, 160))  # 40 of 100
    assert not _overlaps(_passage("d", 0, 100), _passage("e", 0, 100))  # another document


class HashingEmbedder:
    """Bag of words hashed into 64 dimensions: similar wording, similar vectors. A stand-in
    for the model in these tests of the fusion logic only."""

    name = "hashing-test"
    dimension = 64

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.sha1(word.strip(".,").encode()).digest()
                out[i, digest[0] % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


@pytest.fixture
def retriever(tmp_path: Path) -> HybridRetriever:
    store = ChromaStore(Settings(home=tmp_path / "home").store)
    embedder = HashingEmbedder()
    texts = {
        "tram": [
            "The Corvale tram line will cost 412 million euros.",
            "The Corvale tram line will cost 412 million euros, the council said.",  # overlaps
            "Tram stops open in spring.",
        ],
        "bank": ["The central bank held rates at 4.25 per cent.", "Bank economists expect cuts."],
        "pending": ["The Corvale tram line will cost a fortune, a pending draft says."],
    }
    records, passages = [], []
    for doc_id, chunks in texts.items():
        state = STATE_PENDING if doc_id == "pending" else STATE_COMPLETE
        record = replace(_record(doc_id, None), state=state, fingerprint="v1", chunks=len(chunks))
        records.append(record)
        at = 0
        for n, chunk in enumerate(chunks):
            start = 0 if (doc_id == "tram" and n == 1) else at  # the second tram chunk overlaps
            passages.append(
                Passage(
                    f"{doc_id}:{n}",
                    doc_id,
                    chunk,
                    start,
                    start + len(chunk),
                    {"version": "v1", "source": record.source},  # as the ingest writes them
                )
            )
            at = start + len(chunk) + 1
    store.put_documents(records, [" ".join(c) for c in texts.values()])
    store.add_passages(passages, embedder.embed([p.text for p in passages]))
    stale = Passage(
        "bank:old", "bank", "The Corvale tram line will cost 900 million.", 0, 44, {"version": "v0"}
    )
    store.add_passages([stale], embedder.embed([stale.text]))
    return HybridRetriever(store, embedder, KeywordIndex(tmp_path / "kw.bin"))


def test_retrieve_folds_overlaps_and_skips_pending_and_stale_passages(
    retriever: HybridRetriever,
) -> None:
    results = retriever.retrieve("Corvale tram line cost", 5)
    ids = [r.passage.id for r in results]
    assert ids[0] in ("tram:0", "tram:1") and not {"tram:0", "tram:1"} <= set(ids)
    assert "pending:0" not in ids and "bank:old" not in ids
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    assert set(results[0].signals) == {"dense", "bm25"}


def test_retrieve_limits_passages_per_document_and_honours_filters(
    retriever: HybridRetriever,
) -> None:
    one_each = retriever.retrieve("tram bank rates cost", 5, per_doc=1)
    assert sorted(r.document.doc_id for r in one_each) == ["bank", "tram"]
    only_bank = retriever.retrieve(
        "Corvale tram line cost", 5, SearchFilter(doc_ids=frozenset({"bank"}))
    )
    assert only_bank and {r.document.doc_id for r in only_bank} == {"bank"}
    by_source = SearchFilter(sources=frozenset({"/notes/tram.txt"}))
    assert {r.document.doc_id for r in retriever.retrieve("rates", 5, by_source)} == {"tram"}
    assert retriever.retrieve("tram", 5, SearchFilter(doc_ids=frozenset({"nothing"}))) == []


def test_a_filter_of_sources_is_applied_on_the_passages_source_field() -> None:
    """Its size follows the sources named, not the documents they hold."""
    from rag.retrieval import _where

    assert _where({"a", "b", "c"}, None, frozenset({"/x.txt"})) == {"source": {"$in": ["/x.txt"]}}
    assert _where({"a"}, frozenset({"team"})) == {
        "$and": [{"doc_id": {"$in": ["a"]}}, {"collection": {"$in": ["team"]}}]
    }
    assert _where(None, None) is None
