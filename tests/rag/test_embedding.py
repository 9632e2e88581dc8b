"""The query-side cache in front of the embedding model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from rag.embedding import CachingEmbedder


class CountingEmbedder:
    """A stand-in model: a text's vector is derived from its hash; calls are logged."""

    name = "counting"
    dimension = 8

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).random(8) for t in texts]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), 8)


def test_only_unseen_texts_reach_the_model_and_order_is_kept() -> None:
    inner = CountingEmbedder()
    cache = CachingEmbedder(inner)
    first = cache.embed(["a", "b", "a"])
    second = cache.embed(["c", "b", "a"])

    assert inner.calls == [["a", "b"], ["c"]]
    assert np.array_equal(first[0], first[2])
    assert np.array_equal(second[1], first[1]) and np.array_equal(second[2], first[0])
    assert np.array_equal(second, inner.embed(["c", "b", "a"]))
    assert (cache.hits, cache.misses) == (3, 3)


def test_the_least_recently_used_text_is_dropped_first() -> None:
    inner = CountingEmbedder()
    cache = CachingEmbedder(inner, size=2)
    cache.embed(["a", "b"])
    cache.embed(["a"])  # a is now more recent than b
    cache.embed(["c"])  # evicts b
    inner.calls.clear()

    cache.embed(["a", "b", "c"])

    assert inner.calls == [["b"]]


@pytest.mark.parametrize("texts", [[], ["x"]])
def test_shapes(texts: list[str]) -> None:
    out = CachingEmbedder(CountingEmbedder()).embed(texts)
    assert out.shape == (len(texts), 8) and out.dtype == np.float32
