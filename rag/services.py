"""Builds the long-lived parts (store, embedder, keyword index) from settings, once."""

from __future__ import annotations

import hashlib
from functools import cached_property

from core.settings import Settings
from rag.embedding import CachingEmbedder, SentenceTransformerEmbedder
from vectorstore.catalog import DocumentCatalog
from vectorstore.chroma import ChromaStore
from vectorstore.keyword import KeywordIndex


class Services:
    """Lazily created shared parts; one per process (CLI run or UI server)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def store(self) -> ChromaStore:
        store = ChromaStore(self.settings.store)
        store.upgrade()  # a store from before collections gets its default collection
        return store

    @cached_property
    def embedder(self) -> SentenceTransformerEmbedder:
        return SentenceTransformerEmbedder(batch_size=self.settings.embed_batch_size)

    @cached_property
    def catalog(self) -> DocumentCatalog:
        return DocumentCatalog(self.store)

    @cached_property
    def query_embedder(self) -> CachingEmbedder:
        """The same model behind a cache of recent questions and answer sentences."""
        return CachingEmbedder(self.embedder)

    @cached_property
    def keyword(self) -> KeywordIndex:
        where = f"{self.store.where}|{self.settings.collection}"
        name = hashlib.sha1(where.encode()).hexdigest()[:12]
        return KeywordIndex(self.settings.cache_path / f"keyword-{name}.bin")
