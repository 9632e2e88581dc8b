"""BM25 keyword index over the stored passages: a derived cache beside Chroma.

Chroma is the source of truth. The index remembers the store revision it was
built at; ``sync`` compares that with the store's current revision and pulls in
only the documents whose fingerprint changed, so writes from other processes
(a shared Chroma server) are seen at the next search. The cache file carries a
checksum; a corrupt or foreign file is discarded and rebuilt from Chroma.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy import sparse

from core.errors import StoreError
from core.tokenize import TOKENIZER_VERSION, terms
from vectorstore.records import DocumentRecord, Passage

log = logging.getLogger(__name__)
_FORMAT = 2


class PassageSource(Protocol):
    """What the index needs from the store."""

    def revision(self) -> str: ...
    def list_documents(self, *, complete_only: bool = True) -> list[DocumentRecord]: ...
    def passages_for(self, doc_ids: Sequence[str]) -> list[Passage]: ...


@dataclass
class _DocEntry:
    fingerprint: str
    passage_ids: list[str]
    term_ids: list[np.ndarray]
    tfs: list[np.ndarray]


class KeywordIndex:
    """BM25 over passages (title words included), synced lazily with the store."""

    def __init__(self, path: Path | None = None, k1: float = 1.5, b: float = 0.4) -> None:
        self.path = path
        self.k1 = k1
        self.b = b
        self.revision = ""
        self._vocab: dict[str, int] = {}
        self._docs: dict[str, _DocEntry] = {}
        self._matrix: sparse.csc_matrix | None = None
        self._row_ids: list[str] = []
        self._row_docs: list[str] = []
        self._rows: dict[str, int] = {}
        self._idf = np.zeros(0, dtype=np.float32)
        self._lock = threading.RLock()
        self._loaded = False

    # --- building --------------------------------------------------------------

    def _term_ids(self, tokens: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(tokens)
        ids = np.fromiter(
            (self._vocab.setdefault(t, len(self._vocab)) for t in counts),
            dtype=np.int32,
            count=len(counts),
        )
        tfs = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        return ids, tfs

    def add_document(self, record: DocumentRecord, passages: Sequence[Passage]) -> None:
        with self._lock:
            entry = _DocEntry(record.fingerprint, [], [], [])
            title_terms = terms(record.title)
            for p in sorted(passages, key=lambda p: p.start):
                ids, tfs = self._term_ids(title_terms + terms(p.text))
                entry.passage_ids.append(p.id)
                entry.term_ids.append(ids)
                entry.tfs.append(tfs)
            self._docs[record.doc_id] = entry
            self._matrix = None

    def remove_document(self, doc_id: str) -> None:
        with self._lock:
            if self._docs.pop(doc_id, None) is not None:
                self._matrix = None

    def _build(self) -> sparse.csc_matrix:
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        ids: list[str] = []
        docs: list[str] = []
        for doc_id, entry in self._docs.items():
            for pid, t, f in zip(entry.passage_ids, entry.term_ids, entry.tfs, strict=True):
                rows.append(np.full(len(t), len(ids), dtype=np.int32))
                cols.append(t)
                tfs.append(f)
                ids.append(pid)
                docs.append(doc_id)
        n_rows, n_cols = len(ids), max(len(self._vocab), 1)
        if not ids:
            self._row_ids, self._row_docs, self._rows = [], [], {}
            self._idf = np.zeros(0, dtype=np.float32)
            return sparse.csc_matrix((0, n_cols), dtype=np.float32)
        r, c, f = np.concatenate(rows), np.concatenate(cols), np.concatenate(tfs)
        lengths = np.bincount(r, weights=f, minlength=n_rows).astype(np.float32)
        norm = self.k1 * (1 - self.b + self.b * lengths / max(lengths.mean(), 1e-9))
        df = np.bincount(c, minlength=n_cols).astype(np.float32)
        idf = np.log(1 + (n_rows - df + 0.5) / (df + 0.5))
        self._idf = idf
        weights = idf[c] * f * (self.k1 + 1) / (f + norm[r])
        self._row_ids, self._row_docs = ids, docs
        self._rows = {pid: i for i, pid in enumerate(ids)}
        return sparse.csc_matrix((weights, (r, c)), shape=(n_rows, n_cols), dtype=np.float32)

    # --- searching -------------------------------------------------------------

    def _scores(self, query: str) -> tuple[np.ndarray, list[str], list[str]]:
        """BM25 score of every passage for ``query``, with the row ids and doc ids."""
        with self._lock:
            if self._matrix is None:
                self._matrix = self._build()
            matrix, row_ids, row_docs = self._matrix, self._row_ids, self._row_docs
            cols = sorted({self._vocab[t] for t in terms(query) if t in self._vocab})
        if not cols or matrix.shape[0] == 0:
            return np.zeros(len(row_ids), dtype=np.float32), row_ids, row_docs
        return np.asarray(matrix[:, cols].sum(axis=1)).ravel(), row_ids, row_docs

    def score_passages(self, query: str, passage_ids: Sequence[str]) -> dict[str, float]:
        """BM25 scores of the given passages (0 for unknown ones)."""
        scores, _, _ = self._scores(query)
        rows = self._rows
        return {
            pid: float(scores[rows[pid]]) if pid in rows and rows[pid] < len(scores) else 0.0
            for pid in passage_ids
        }

    def search(
        self, query: str, k: int, doc_ids: set[str] | None = None
    ) -> list[tuple[str, str, float]]:
        """Top ``k`` passages as ``(passage_id, doc_id, score)``, best first."""
        scores, row_ids, row_docs = self._scores(query)
        if not len(scores) or not scores.any():
            return []
        if doc_ids is not None:
            mask = np.fromiter((d in doc_ids for d in row_docs), dtype=bool, count=len(row_docs))
            scores = np.where(mask, scores, 0.0)
        top = _top_k(scores, k)
        return [(row_ids[i], row_docs[i], float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, term: str) -> float:
        """Inverse document frequency of an index term (unknown terms: the maximum)."""
        with self._lock:
            if self._matrix is None:
                self._matrix = self._build()
            top = float(self._idf.max()) if len(self._idf) else 1.0
            i = self._vocab.get(term)
            return float(self._idf[i]) if i is not None and i < len(self._idf) else top

    def __len__(self) -> int:
        return sum(len(e.passage_ids) for e in self._docs.values())

    # --- keeping in step with the store -----------------------------------------

    def sync(
        self,
        store: PassageSource,
        revision: str | None = None,
        documents: Callable[[], list[DocumentRecord]] | None = None,
    ) -> bool:
        """Bring the index up to the store's revision (``revision``, when the caller
        has just read it); True when anything changed. ``documents`` lists the complete
        documents when the caller keeps that listing already (the search's catalog),
        so a new revision is listed once, not once for each."""
        with self._lock:
            if not self._loaded:
                self._loaded = True
                self.load()
            revision = store.revision() if revision is None else revision
            if revision == self.revision and revision:
                return False
            listed = documents() if documents else store.list_documents(complete_only=True)
            records = {r.doc_id: r for r in listed}
            stale = [
                d
                for d, e in self._docs.items()
                if d not in records or records[d].fingerprint != e.fingerprint
            ]
            for doc_id in stale:
                self.remove_document(doc_id)
            missing = [d for d in records if d not in self._docs]
            by_doc: dict[str, list[Passage]] = {}
            for p in store.passages_for(missing):
                if p.metadata.get("version") == records[p.doc_id].fingerprint:
                    by_doc.setdefault(p.doc_id, []).append(p)
            for doc_id in missing:
                self.add_document(records[doc_id], by_doc.get(doc_id, []))
            self.revision = revision
            try:
                self.save()
            except StoreError as e:
                # The index in memory is complete; only the next start pays for a rebuild.
                log.warning("%s; the keyword index is kept in memory only", e)
            return bool(stale or missing)

    def clear(self) -> None:
        with self._lock:
            # A cleared index is rebuilt from the store; reading the cache file
            # back at the next sync would undo `rag reindex`.
            self._loaded = True
            self._docs.clear()
            self._vocab.clear()
            self._matrix = None
            self.revision = ""

    # --- the cache file -----------------------------------------------------------

    def save(self) -> None:
        if self.path is None:
            return
        payload = self._serialise()
        digest = hashlib.sha256(payload).hexdigest().encode()
        # A name of its own per writer: two processes sharing a server may save at once.
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(digest + b"\n" + payload)
            tmp.replace(self.path)
        except OSError as e:
            raise StoreError(
                f"cannot write the keyword cache {self.path}: {e.strerror}; "
                "check that RAG_HOME is writable and has free space"
            ) from e

    def load(self) -> bool:
        """Read the cache file; a missing, corrupt or foreign one is ignored."""
        if self.path is None or not self.path.exists():
            return False
        try:
            blob = self.path.read_bytes()
            digest, _, payload = blob.partition(b"\n")
            if hashlib.sha256(payload).hexdigest().encode() != digest:
                raise ValueError("checksum mismatch")
            self._deserialise(payload)
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
            log.warning("keyword cache %s is unusable (%s); rebuilding from Chroma", self.path, e)
            self.clear()
            return False
        return True

    def _serialise(self) -> bytes:
        doc_ids = list(self._docs)
        entries = [self._docs[d] for d in doc_ids]
        header = {
            "format": _FORMAT,
            "tokenizer": TOKENIZER_VERSION,
            "k1": self.k1,
            "b": self.b,
            "revision": self.revision,
            "vocab": list(self._vocab),
            "docs": [
                [d, e.fingerprint, e.passage_ids] for d, e in zip(doc_ids, entries, strict=True)
            ],
        }
        terms_flat = [t for e in entries for t in e.term_ids]
        tfs_flat = [f for e in entries for f in e.tfs]
        sizes = np.array([len(t) for t in terms_flat], dtype=np.int64)
        buffer = io.BytesIO()
        np.savez(
            buffer,
            header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            sizes=sizes,
            terms=np.concatenate(terms_flat) if terms_flat else np.zeros(0, np.int32),
            tfs=np.concatenate(tfs_flat) if tfs_flat else np.zeros(0, np.float32),
        )
        return buffer.getvalue()

    def _deserialise(self, payload: bytes) -> None:
        arrays = np.load(io.BytesIO(payload), allow_pickle=False)
        header = json.loads(arrays["header"].tobytes().decode())
        if (
            header["format"] != _FORMAT
            or header.get("tokenizer") != TOKENIZER_VERSION
            or header["k1"] != self.k1
            or header["b"] != self.b
        ):
            raise ValueError("written by another version or with other BM25 parameters")
        bounds = np.concatenate([[0], np.cumsum(arrays["sizes"])])
        terms_all, tfs_all = arrays["terms"], arrays["tfs"]
        self._vocab = {t: i for i, t in enumerate(header["vocab"])}
        self._docs = {}
        row = 0
        for doc_id, fingerprint, pids in header["docs"]:
            entry = _DocEntry(fingerprint, list(pids), [], [])
            for _ in pids:
                lo, hi = bounds[row], bounds[row + 1]
                entry.term_ids.append(terms_all[lo:hi])
                entry.tfs.append(tfs_all[lo:hi])
                row += 1
            self._docs[doc_id] = entry
        self.revision = header["revision"]
        self._matrix = None


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k)[:k]
    return part[np.argsort(-scores[part], kind="stable")]
