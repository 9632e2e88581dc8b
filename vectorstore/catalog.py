"""The list of complete documents, read once per store revision.

Every write that changes which documents are complete (an ingest finishing, a
removal) bumps the store's revision, so a listing stays valid until the revision
moves. Filters and the document library read it from here instead of scanning the
documents collection each time; checking the revision is one small read.
"""

from __future__ import annotations

import threading

from vectorstore.chroma import ChromaStore
from vectorstore.records import DocumentRecord


class DocumentCatalog:
    def __init__(self, store: ChromaStore) -> None:
        self.store = store
        self._revision = ""
        self._records: list[DocumentRecord] = []
        self._by_collection: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def records(self) -> list[DocumentRecord]:
        """Complete documents sorted by title (a shared list: do not modify it)."""
        revision = self.store.revision()
        with self._lock:
            if not revision or revision != self._revision:
                self._records = self.store.list_documents()
                self._by_collection = {}
                for r in self._records:
                    self._by_collection.setdefault(r.collection, set()).add(r.doc_id)
                self._revision = revision
            return self._records

    def doc_ids_in(self, collections: frozenset[str]) -> set[str]:
        """The ids of the complete documents in these collections."""
        self.records()
        with self._lock:
            return set().union(*(self._by_collection.get(c, set()) for c in collections))
