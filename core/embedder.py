"""The embedder protocol: what ingest, the keyword-free parts of retrieval and the
answerers need from an embedding model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into unit vectors of one fixed dimension.

    ``name`` identifies the model; it is part of every document's fingerprint, so a
    change of model re-embeds the documents.
    """

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...
