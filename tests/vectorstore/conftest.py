"""Builders for document records and passages, and a writer that follows the
pipeline's write order, for the store and keyword tests (no model involved)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from vectorstore.records import STATE_COMPLETE, STATE_PENDING, DocumentRecord, Passage

DIM = 8

MakeDoc = Callable[..., tuple[DocumentRecord, list[Passage]]]


def vector_for(text: str) -> np.ndarray:
    """A deterministic unit vector for ``text`` (a stand-in for an embedding)."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _make_doc(
    doc_id: str,
    text: str,
    *,
    version: str = "v1",
    title: str | None = None,
    source: str | None = None,
    state: str = STATE_COMPLETE,
    size: int = 60,
    **fields: Any,
) -> tuple[DocumentRecord, list[Passage]]:
    """A record and its passages: ``text`` cut into windows of ``size`` characters."""
    record = DocumentRecord(
        doc_id=doc_id,
        source=source or f"/data/{doc_id}.txt",
        title=title if title is not None else f"Title of {doc_id}",
        kind="txt",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        fingerprint=version,
        chunks=0,
        state=state,
        ingested_at="2024-01-01T00:00:00+00:00",
        **fields,
    )
    passages = [
        Passage(
            id=f"{doc_id}:{version}:{index:05d}",
            doc_id=doc_id,
            text=text[start : start + size],
            start=start,
            end=min(start + size, len(text)),
            metadata={
                "source": record.source,
                "title": record.title,
                "version": version,
                "index": index,
            },
        )
        for index, start in enumerate(range(0, len(text), size))
    ]
    return replace(record, chunks=len(passages)), passages


def _write_doc(
    store: Any, doc_id: str, text: str, **kwargs: Any
) -> tuple[DocumentRecord, list[Passage]]:
    """Store a document the way the pipeline does: pending record, passages, stale
    passages dropped, record marked complete, revision bumped."""
    record, passages = _make_doc(doc_id, text, state=STATE_PENDING, **kwargs)
    store.put_documents([record], [text])
    if passages:
        store.add_passages(passages, np.stack([vector_for(p.text) for p in passages]))
    store.delete_stale_passages(doc_id, record.fingerprint)
    complete = replace(record, state=STATE_COMPLETE)
    store.set_documents_metadata([complete])
    store.bump_revision()
    return complete, passages


@pytest.fixture
def make_doc() -> MakeDoc:
    return _make_doc


@pytest.fixture
def write_doc() -> Callable[..., tuple[DocumentRecord, list[Passage]]]:
    return _write_doc
