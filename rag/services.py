"""Builds the long-lived parts (store, embedder, keyword index) from settings, once."""

from __future__ import annotations

import hashlib
from functools import cached_property

from core.embedder import Embedder
from core.settings import Settings
from rag.embedding import CachingEmbedder, SentenceTransformerEmbedder
from rag.onnx_encoder import OnnxEmbedder
from vectorstore.catalog import DocumentCatalog
from vectorstore.chroma import ChromaStore
from vectorstore.keyword import KeywordIndex

# int8 dynamic quantisation: SciFact train hybrid nDCG@10 0.740 (all 809 queries) against
# 0.739 for fp32 / torch (identical vectors), within 0.005 and 1.31x faster to embed;
# see bench/results/onnx-precision-int8.log and bench/results/retrieval.md.
ONNX_PRECISION = "int8"


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
    def embedder(self) -> Embedder:
        if self.settings.embedder == "torch":
            return SentenceTransformerEmbedder(batch_size=self.settings.embed_batch_size)
        return OnnxEmbedder(
            self.settings.models_path,
            precision=self.settings.embedder.removeprefix("onnx-")
            if "-" in self.settings.embedder
            else ONNX_PRECISION,
            batch_size=self.settings.embed_batch_size,
        )

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
