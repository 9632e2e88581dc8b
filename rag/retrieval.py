"""Hybrid retrieval: dense (Chroma) and keyword (BM25) candidates, fused.

Candidates from both lists are fused with reciprocal-rank fusion, passages of
documents that are not complete are dropped, and passages that overlap a better
passage of the same document are folded into it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.embedding import Embedder
from vectorstore.chroma import ChromaStore
from vectorstore.keyword import KeywordIndex
from vectorstore.records import STATE_COMPLETE, DocumentRecord, Passage


@dataclass(frozen=True)
class SearchFilter:
    """Restricts a search to some documents, sources or a date range (ISO dates)."""

    doc_ids: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    date_from: str | None = None
    date_to: str | None = None

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.sources or self.date_from or self.date_to)

    def admits(self, record: DocumentRecord) -> bool:
        if self.doc_ids and record.doc_id not in self.doc_ids:
            return False
        if self.sources and record.source not in self.sources:
            return False
        if self.date_from and (not record.date or record.date < self.date_from):
            return False
        return not (self.date_to and (not record.date or record.date[:10] > self.date_to))


@dataclass(frozen=True)
class Result:
    """One retrieved passage with its document and fused score."""

    passage: Passage
    document: DocumentRecord
    score: float
    signals: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        p = self.passage
        return {
            "doc_id": p.doc_id,
            "source": self.document.source,
            "title": self.document.title,
            "text": p.text,
            "start": p.start,
            "end": p.end,
            "score": round(self.score, 6),
        }


class HybridRetriever:
    """Dense + keyword retrieval over the store, fused with RRF."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        keyword: KeywordIndex,
        candidates: int = 100,
        rrf_k: int = 60,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.keyword = keyword
        self.candidates = candidates
        self.rrf_k = rrf_k

    def retrieve(
        self,
        query: str,
        k: int,
        search_filter: SearchFilter | None = None,
        per_doc: int | None = None,
    ) -> list[Result]:
        """The ``k`` best passages, at most ``per_doc`` from one document."""
        self.keyword.sync(self.store)
        allowed = self._allowed_docs(search_filter)
        vector = self.embedder.embed([query])[0]
        where = {"doc_id": {"$in": sorted(allowed)}} if allowed is not None else None
        pool = max(self.candidates, 3 * k)
        dense = self.store.dense_search(vector, pool, where=where)
        lexical = self.keyword.search(query, pool, doc_ids=allowed)
        scores: dict[str, dict[str, float]] = {}
        for rank, hit in enumerate(dense):
            scores.setdefault(hit.passage.id, {})["dense"] = hit.score
            scores[hit.passage.id]["dense_rank"] = rank
        for rank, (pid, _doc, score) in enumerate(lexical):
            scores.setdefault(pid, {})["bm25"] = score
            scores[pid]["bm25_rank"] = rank
        fused = {
            pid: sum(
                1.0 / (self.rrf_k + s[key] + 1) for key in ("dense_rank", "bm25_rank") if key in s
            )
            for pid, s in scores.items()
        }
        known = {h.passage.id: h.passage for h in dense}
        missing = [pid for pid in fused if pid not in known]
        known.update(self.store.get_passages(missing))
        return self._finish(fused, scores, known, k, per_doc)

    def _allowed_docs(self, search_filter: SearchFilter | None) -> set[str] | None:
        if search_filter is None or search_filter.is_empty():
            return None
        return {r.doc_id for r in self.store.list_documents() if search_filter.admits(r)}

    def _finish(
        self,
        fused: dict[str, float],
        signals: dict[str, dict[str, float]],
        passages: dict[str, Passage],
        k: int,
        per_doc: int | None,
    ) -> list[Result]:
        ranked = sorted((pid for pid in fused if pid in passages), key=lambda p: -fused[p])
        docs = self.store.get_documents(sorted({passages[p].doc_id for p in ranked}))
        kept: list[Result] = []
        taken: dict[str, int] = {}
        for pid in ranked:
            passage = passages[pid]
            record = docs.get(passage.doc_id)
            if record is None or record.state != STATE_COMPLETE:
                continue
            if passage.metadata.get("version") != record.fingerprint:
                continue
            if per_doc is not None and taken.get(passage.doc_id, 0) >= per_doc:
                continue
            if any(_overlaps(passage, r.passage) for r in kept):
                continue
            taken[passage.doc_id] = taken.get(passage.doc_id, 0) + 1
            kept.append(Result(passage, record, fused[pid], signals[pid]))
            if len(kept) >= k:
                break
        return kept


def _overlaps(a: Passage, b: Passage, share: float = 0.5) -> bool:
    """True when two passages of one document share more than ``share`` of the shorter."""
    if a.doc_id != b.doc_id:
        return False
    common = min(a.end, b.end) - max(a.start, b.start)
    return common > share * min(a.end - a.start, b.end - b.start)


def results_json(results: Sequence[Result]) -> list[dict[str, Any]]:
    return [r.to_json() for r in results]
