"""The window's tables and small parsers: upload reports, the library listing (with
escaping and a bounded page), logins, and chat history for the named API."""

from __future__ import annotations

import pytest

from ingest.report import DocOutcome, Failure, IngestReport
from rag.access import LOCAL, Principal
from rag.users import parse_logins
from ui.api import turns_from
from ui.tables import library_html, matches, report_html, report_rows
from vectorstore.records import DocumentRecord


def test_report_rows_name_every_outcome() -> None:
    report = IngestReport(
        added=[DocOutcome("a", "/u/a.md", "A", 3)],
        updated=[DocOutcome("b", "/u/b.md", "B", 2)],
        unchanged=[DocOutcome("c", "/u/c.md", "C", 1)],
        duplicates=[DocOutcome("d", "/u/d.md", "D", 0, duplicate_of="a")],
        failed=[Failure("/u/e.pdf", "the PDF is encrypted"), Failure("x.exe", "not supported")],
    )
    names = {"/u/a.md": "a.md", "/u/b.md": "b.md", "/u/c.md": "c.md", "/u/d.md": "d.md"}
    rows = report_rows(report, names)
    assert [(r.name, r.status) for r in rows] == [
        ("a.md", "added"),
        ("b.md", "updated"),
        ("c.md", "unchanged"),
        ("d.md", "duplicate"),
        ("/u/e.pdf", "failed"),
        ("x.exe", "failed"),
    ]
    html = report_html(rows)
    assert "1 added, 1 updated, 1 unchanged, 1 duplicate, 2 failed" in html
    assert "the PDF is encrypted" in html


def record(title: str, source: str, date: str | None = None) -> DocumentRecord:
    return DocumentRecord(
        doc_id=title.lower(), source=source, title=title, kind="md", content_hash="h",
        fingerprint="f", chunks=4, state="complete", ingested_at="2025-01-01", date=date,
    )  # fmt: skip


def test_library_filter_and_escaping() -> None:
    docs = [record("Tram <b>", "/u/tram.md", "2025-02-04"), record("Bank", "https://x.example/b")]
    assert matches(docs[0], "TRAM 2025") and not matches(docs[1], "tram")
    html = library_html(docs, 2)
    assert "Tram &lt;b&gt;" in html and "<b>" not in html
    assert ">tram.md<" in html and 'href="https://x.example/b"' in html
    assert "No document matches" in library_html([], 2)


def test_parse_logins() -> None:
    assert parse_logins(None) == []
    assert parse_logins("ann:pw1, bob:p:w") == [("ann", "pw1"), ("bob", "p:w")]
    from core.errors import UsageError

    with pytest.raises(UsageError, match="RAG_AUTH"):
        parse_logins("ann")


def test_history_accepts_messages_and_pairs() -> None:
    messages = [
        {"role": "user", "content": "Who is Moore?"},
        {"role": "assistant", "content": [{"type": "text", "text": "The MI6 chief."}]},
    ]
    assert [(t.question, t.answer) for t in turns_from(messages)] == [
        ("Who is Moore?", "The MI6 chief.")
    ]
    assert turns_from([["Q1", "A1"]])[0].answer == "A1"
    assert turns_from(None) == []


def test_a_large_library_shows_a_bounded_page_and_says_so() -> None:
    from ui.library import LIBRARY_ROWS, LibraryHandlers

    docs = [record(f"Report {i:05d}", f"/u/r{i}.md") for i in range(LIBRARY_ROWS + 250)]

    class Catalog:
        def documents(self, user: Principal = LOCAL) -> list[DocumentRecord]:
            return docs

    class Listing:  # what refresh() reads of the Backend: its library's documents
        library = Catalog()
        user = staticmethod(lambda request: LOCAL)

    html, choices = LibraryHandlers(Listing()).refresh("")  # type: ignore[arg-type]
    assert html.count("<tr data-doc=") == LIBRARY_ROWS
    assert f"{len(docs):,} documents; the first {LIBRARY_ROWS}" in html
    assert len(choices["choices"]) == LIBRARY_ROWS

    narrowed, _ = LibraryHandlers(Listing()).refresh("report 0070")  # type: ignore[arg-type]
    assert narrowed.count("<tr data-doc=") == 11  # 00070 and 00700 to 00709
    assert "11 of 750 documents</div>" in narrowed


def test_the_removal_prompt_counts_documents_in_good_english() -> None:
    from ui.library import LibraryHandlers

    docs = [record("Tram", "/u/tram.md"), record("Bank", "/u/bank.md")]

    class Catalog:
        def documents(self, user: Principal = LOCAL) -> list[DocumentRecord]:
            return docs

    class Listing:
        library = Catalog()
        user = staticmethod(lambda request: LOCAL)

    handlers = LibraryHandlers(Listing())  # type: ignore[arg-type]
    one, _ = handlers.confirm_remove([docs[0].doc_id])
    assert "Remove 1 document and its passages?" in one
    two, _ = handlers.confirm_remove([d.doc_id for d in docs])
    assert "Remove 2 documents and their passages?" in two
