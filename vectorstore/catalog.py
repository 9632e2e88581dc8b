"""The list of complete documents, read once per store revision.

Every write that changes which documents are complete (an ingest finishing, a
removal) bumps the store's revision, so a listing stays valid until the revision
moves. Filters, the document library and each search's results read it from here
instead of the documents collection; checking the revision is one small read, and a
search reads it once for the keyword index and the catalog alike.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from vectorstore.chroma import ChromaStore
from vectorstore.records import DocumentRecord


class DocumentCatalog:
    def __init__(self, store: ChromaStore) -> None:
        self.store = store
        self._revision = ""
        self._records: list[DocumentRecord] = []
        self._by_id: dict[str, DocumentRecord] = {}
        self._by_collection: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def records(self, revision: str | None = None) -> list[DocumentRecord]:
        """Complete documents sorted by title (a shared list: do not modify it), as of
        ``revision`` when the caller has just read it."""
        revision = self.store.revision() if revision is None else revision
        with self._lock:
            if not revision or revision != self._revision:
                self._records = self.store.list_documents()
                self._by_id = {r.doc_id: r for r in self._records}
                self._by_collection = {}
                for r in self._records:
                    self._by_collection.setdefault(r.collection, set()).add(r.doc_id)
                self._revision = revision
            return self._records

    def complete(
        self, doc_ids: Iterable[str], revision: str | None = None
    ) -> dict[str, DocumentRecord]:
        """The complete documents among ``doc_ids``, by id (no read of the store while
        the revision stands)."""
        self.records(revision)
        with self._lock:
            return {d: self._by_id[d] for d in doc_ids if d in self._by_id}

    def doc_ids_in(self, collections: frozenset[str], revision: str | None = None) -> set[str]:
        """The ids of the complete documents in these collections."""
        self.records(revision)
        with self._lock:
            return set().union(*(self._by_collection.get(c, set()) for c in collections))
