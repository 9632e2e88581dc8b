"""Uploads: safe file names, refused types and sizes, per-file rows, library filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.report import DocOutcome, Failure, IngestReport
from ui.api import turns_from
from ui.app import parse_auth
from ui.tables import library_html, matches, report_html, report_rows
from ui.uploads import safe_filename, stage
from vectorstore.records import DocumentRecord


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.PDF", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        (".hidden.md", "hidden.md"),
        ("my notes (final).md", "my_notes_final.md"),
        ("<script>.html", "script.html"),
        ("Café olé.txt", "Cafe_ole.txt"),
        ("....", "upload"),
        ("a" * 300 + ".md", "a" * 110 + ".md"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_stage_copies_allowed_files_and_refuses_others(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    good = tmp_path / "in" / "notes (1).md"
    good.write_text("# Notes\n\nText.", encoding="utf-8")
    exe = tmp_path / "in" / "tool.exe"
    exe.write_bytes(b"MZ")
    big = tmp_path / "in" / "big.txt"
    big.write_text("x" * 2000, encoding="utf-8")
    uploads = tmp_path / "uploads"
    staged = stage(
        [str(good), str(exe), str(big)], "https://a.example/x\nftp://b\n\n", uploads, 1000
    )
    copy = uploads / "notes_1.md"
    assert copy.read_text(encoding="utf-8") == "# Notes\n\nText."
    assert staged.inputs == [str(copy.resolve()), "https://a.example/x"]
    assert staged.names[str(copy.resolve())] == "notes_1.md"
    reasons = {f.source: f.error for f in staged.refused}
    assert ".exe files are not supported" in reasons["tool.exe"]
    assert "over the limit" in reasons["big.txt"]
    assert "not a web address" in reasons["ftp://b"]


@pytest.mark.parametrize("suffix", [".text", ".log", ".ndjson", ".xhtml", ".mkd"])
def test_stage_accepts_every_suffix_that_ingest_knows(tmp_path: Path, suffix: str) -> None:
    upload = tmp_path / f"notes{suffix}"
    upload.write_text("Text.", encoding="utf-8")

    staged = stage([str(upload)], "", tmp_path / "uploads", 1000)

    assert staged.refused == []
    assert staged.inputs == [str((tmp_path / "uploads" / f"notes{suffix}").resolve())]


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


def test_parse_auth() -> None:
    assert parse_auth(None) is None
    assert parse_auth("ann:pw1, bob:p:w") == [("ann", "pw1"), ("bob", "p:w")]
    from rag.errors import UsageError

    with pytest.raises(UsageError, match="RAG_AUTH"):
        parse_auth("ann")


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

    class Listing:  # the one Backend method refresh() needs
        def documents(self) -> list[DocumentRecord]:
            return docs

    html, choices = LibraryHandlers(Listing()).refresh("")  # type: ignore[arg-type]
    assert html.count("<tr data-doc=") == LIBRARY_ROWS
    assert f"{len(docs):,} documents; the first {LIBRARY_ROWS}" in html
    assert len(choices["choices"]) == LIBRARY_ROWS

    narrowed, _ = LibraryHandlers(Listing()).refresh("report 0070")  # type: ignore[arg-type]
    assert narrowed.count("<tr data-doc=") == 11  # 00070 and 00700 to 00709
    assert "11 of 750 documents</div>" in narrowed
