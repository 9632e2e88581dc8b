"""The data that ingest hands on: loaded documents and their passages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class SourceDocument:
    """One document as a loader produced it, before chunking.

    ``text`` is the exact text that passage offsets point into. ``doc_id`` is set
    only when the input names it (a jsonl record's ``id``); otherwise the pipeline
    derives it from ``source``.
    """

    source: str
    text: str
    title: str
    kind: str
    doc_id: str | None = None
    url: str | None = None
    author: str | None = None
    date: str | None = None
    page_starts: tuple[int, ...] = ()
    extra: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class Chunk:
    """A span of a document's text: ``text == document_text[start:end]``."""

    index: int
    start: int
    end: int
    text: str
