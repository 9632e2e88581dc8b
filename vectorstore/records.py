"""What the store keeps and returns: document records, passages and search hits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, Any] = MappingProxyType({})

STATE_PENDING = "pending"
STATE_COMPLETE = "complete"
# The collection of documents stored before collections existed (and of everything the
# machine's own user adds); rag.access names it too.
DEFAULT_COLLECTION = "default"


@dataclass(frozen=True)
class DocumentRecord:
    """One stored document. ``fingerprint`` changes when text or metadata change;
    ``content_hash`` covers the text alone (used to spot duplicates)."""

    doc_id: str
    source: str
    title: str
    kind: str
    content_hash: str
    fingerprint: str
    chunks: int
    state: str
    ingested_at: str
    url: str | None = None
    author: str | None = None
    date: str | None = None
    page_starts: tuple[int, ...] = ()
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    collection: str = DEFAULT_COLLECTION

    def to_metadata(self) -> dict[str, str | int]:
        meta: dict[str, str | int] = {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "kind": self.kind,
            "content_hash": self.content_hash,
            "fingerprint": self.fingerprint,
            "chunks": self.chunks,
            "state": self.state,
            "ingested_at": self.ingested_at,
            "page_starts": json.dumps(list(self.page_starts)),
            "extra": json.dumps(dict(self.extra), ensure_ascii=False),
            "collection": self.collection,
        }
        for key in ("url", "author", "date"):
            value = getattr(self, key)
            if value:
                meta[key] = value
        return meta

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any]) -> DocumentRecord:
        return cls(
            doc_id=str(meta["doc_id"]),
            source=str(meta.get("source", "")),
            title=str(meta.get("title", "")),
            kind=str(meta.get("kind", "")),
            content_hash=str(meta.get("content_hash", "")),
            fingerprint=str(meta.get("fingerprint", "")),
            chunks=int(meta.get("chunks", 0)),
            state=str(meta.get("state", STATE_PENDING)),
            ingested_at=str(meta.get("ingested_at", "")),
            url=meta.get("url"),
            author=meta.get("author"),
            date=meta.get("date"),
            page_starts=tuple(json.loads(meta.get("page_starts") or "[]")),
            extra=MappingProxyType(json.loads(meta.get("extra") or "{}")),
            collection=str(meta.get("collection") or DEFAULT_COLLECTION),
        )

    def summary(self) -> dict[str, Any]:
        """The public JSON shape of a document (``rag docs list --json``)."""
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "chunks": self.chunks,
            "kind": self.kind,
            "url": self.url,
            "author": self.author,
            "date": self.date,
            "ingested_at": self.ingested_at,
            "collection": self.collection,
        }


@dataclass(frozen=True)
class Passage:
    """A stored passage: ``text == document_text[start:end]``."""

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    metadata: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    @property
    def title(self) -> str:
        return str(self.metadata.get("title", ""))

    @property
    def source(self) -> str:
        return str(self.metadata.get("source", ""))


@dataclass(frozen=True)
class Hit:
    """A passage found by a search, with its score (higher is better)."""

    passage: Passage
    score: float
