"""Finding stored documents by id or source (a fake store: no Chroma, no model)."""

from __future__ import annotations

from typing import Any, cast

from rag.library import resolve
from vectorstore.chroma import ChromaStore


class _Store:
    """Knows no document; records which sources it was asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_documents(self, doc_ids: list[str]) -> dict[str, Any]:
        return {}

    def find_by_source(self, source: str) -> list[Any]:
        self.asked.append(source)
        return []

    def list_documents(self, *, complete_only: bool = True) -> list[Any]:
        raise AssertionError("a URL is never matched as a path prefix")


def test_an_upper_case_url_is_looked_up_as_a_url_not_as_a_path() -> None:
    store = _Store()

    assert resolve(cast(ChromaStore, store), "HTTPS://example.org/a") == []
    assert store.asked == ["HTTPS://example.org/a"]
