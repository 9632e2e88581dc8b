"""Builds retrieval results by hand for answerer, prompt and verification tests."""

from __future__ import annotations

from rag.retrieval import Result
from vectorstore.records import STATE_COMPLETE, DocumentRecord, Passage


def make_result(doc_id: str, title: str, text: str, start: int = 0) -> Result:
    """A result whose passage ``text`` sits at ``start`` in its document."""
    record = DocumentRecord(
        doc_id=doc_id,
        source=f"{doc_id}.txt",
        title=title,
        kind="text",
        content_hash=doc_id,
        fingerprint=doc_id,
        chunks=1,
        state=STATE_COMPLETE,
        ingested_at="2024-01-01T00:00:00Z",
    )
    return Result(Passage(f"{doc_id}:0", doc_id, text, start, start + len(text)), record, 1.0)
