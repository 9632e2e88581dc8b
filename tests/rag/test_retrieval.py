"""SearchFilter: which document records a search may return (no store, no model)."""

from __future__ import annotations

from datetime import date

from rag.retrieval import SearchFilter
from vectorstore.records import STATE_COMPLETE, DocumentRecord


def _record(doc_id: str, day: str | None) -> DocumentRecord:
    return DocumentRecord(
        doc_id=doc_id,
        source=f"/notes/{doc_id}.txt",
        title=doc_id,
        kind="txt",
        content_hash="h",
        fingerprint="f",
        chunks=1,
        state=STATE_COMPLETE,
        ingested_at="2024-01-01T00:00:00+00:00",
        date=day,
    )


RECORDS = [
    _record("july", "2023-07-19"),
    _record("with-time", "2023-08-01T10:00:00+02:00"),
    _record("free-text", "Spring 2020"),  # stored as text before dates were normalised
    _record("undated", None),
]


def _admitted(search_filter: SearchFilter) -> list[str]:
    return [r.doc_id for r in RECORDS if search_filter.admits(r)]


def test_a_date_range_admits_only_documents_with_a_real_date_inside_it() -> None:
    assert _admitted(SearchFilter(date_from=date(2023, 1, 1))) == ["july", "with-time"]
    assert _admitted(SearchFilter(date_to=date(2023, 7, 31))) == ["july"]
    assert _admitted(SearchFilter(date_from=date(2023, 7, 19), date_to=date(2023, 7, 19))) == [
        "july"
    ]


def test_no_date_range_admits_every_date() -> None:
    assert _admitted(SearchFilter()) == ["july", "with-time", "free-text", "undated"]
